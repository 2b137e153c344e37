//! Credentials the doctor can request a token with, beyond a client secret or a given token:
//! loading them, checking them before anything is sent, and turning them into what the token
//! endpoint expects.

pub mod azure_cli;
pub mod certificate;
pub mod device_code;
pub mod federated;
mod kind;
mod ring_jwt;

pub use kind::CredentialKind;

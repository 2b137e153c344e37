//! The integration suite, one binary: scenario fixtures through the real binary against wiremock,
//! the catalogue meta-tests, and the command-line contract.

mod catalogue;
mod cli;
mod harness;
mod scenarios;
mod fuzz;
mod token;

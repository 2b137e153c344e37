//! The integration suite, one binary: scenario fixtures through the real binary against wiremock,
//! the catalogue meta-tests, and the command-line contract.

mod bounds;
mod catalogue;
mod ci;
mod cli;
mod concurrency;
mod corpus;
mod diagnosis;
mod examples;
mod fabric;
mod faults;
mod fuzz;
mod harness;
mod inputs;
mod install;
mod junit_schema;
mod layout;
mod leaks;
#[cfg(unix)]
mod progress;
mod reliability;
mod renderers;
mod scenarios;
mod second_look;
mod token;
mod validation;
mod windows;

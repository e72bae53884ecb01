//! The integration tests: one binary, every test against a real AWS wire-protocol
//! emulator (moto's standalone server) started on a free loopback port.
//! `harness` owns the emulator, seeding and running the built `awsummary`.

mod harness;
mod proxy;

mod accounts;
mod core;
mod daemon;
mod faults;
mod transport;

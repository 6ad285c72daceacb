//! Integration tests: real PostgreSQL, real servers, real gRPC clients.

mod common;

mod admin;
mod audit;
mod auth;
mod claim;
mod clients;
mod control;
mod custom_headers;
mod delivery;
mod edge;
mod failover;
mod fuzz;
mod handoff;
mod history;
mod inputs;
mod listener;
mod metrics;
mod migrations;
mod mtls;
mod operational;
mod ordering;
mod portal;
mod queue;
mod record;
mod recovery;
mod routing;
mod rust_client;
mod schemas;
mod secrets;
mod server;
mod signing_keys;
mod tokens;
mod trace;
mod watch;
mod web;

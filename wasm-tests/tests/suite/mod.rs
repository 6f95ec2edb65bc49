//! Every method of the JavaScript API and its error paths, the seeds'
//! examples end to end, the public conformance cases, incremental changes
//! against fresh clusters, and hostile input. Results are compared with the
//! native `Cluster`'s serialized documents, so the CLI's golden tests pin
//! the JavaScript API too.

mod api;
mod conformance;
mod controllers;
mod examples;
mod hints;
mod hostile;
mod incremental;

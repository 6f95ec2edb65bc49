//! TypeScript declarations of the front door's arguments and results,
//! derived (ts-rs) from the very serde types that produce them, so the npm
//! package's types cannot drift from its values. Only with the `ts`
//! feature, which the bindings' generator step turns on; no normal build
//! has it.

use crate::cluster::documents::*;
use crate::cluster::options::*;
use crate::config::ConfigSpec;
use crate::explain::Diagnostic;
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use ts_rs::{TypeVisitor, TS};

/// The declarations of every argument and result of [`crate::Cluster`]'s
/// methods and of the types they reach; a face adds its own arguments
/// with [`Declarations::add`].
pub fn front_door() -> Declarations {
    let mut c = Declarations::default();
    // Arguments.
    c.visit::<ConfigSpec>();
    c.visit::<LoadOptions>();
    c.visit::<SelectorArg>();
    c.visit::<DnsQuery>();
    c.visit::<ZoneOptions>();
    c.visit::<RouteRequest>();
    c.visit::<RulesRequest>();
    // Results, one per method.
    c.visit::<LoadReport>();
    c.visit::<Changes>();
    c.visit::<Document<CheckReport>>();
    c.visit::<NsName>();
    c.visit::<ResolvedService>();
    c.visit::<Document<Selection>>();
    c.visit::<EndpointsList>();
    c.visit::<Diagnostic>();
    c.visit::<Document<Resolution>>();
    c.visit::<Document<DnsAnswer>>();
    c.visit::<Document<Zone>>();
    c.visit::<Document<Environment>>();
    c.visit::<Document<Trace>>();
    c.visit::<Document<ProxyRules>>();
    c.visit::<Document<Pods>>();
    c.visit::<Document<ChangeReport>>();
    c
}

/// TypeScript declarations of a set of types and of every type they reach,
/// one per TypeScript name.
#[derive(Default)]
pub struct Declarations {
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
    clashes: Vec<String>,
}

impl Declarations {
    /// Declares `T` and what it reaches.
    pub fn add<T: TS + 'static + ?Sized>(&mut self) {
        self.visit::<T>();
    }

    /// One TypeScript module body (`export type …`), sorted by name. A
    /// name declared twice with different shapes is an error: the package
    /// would lie about one of them.
    pub fn render(self) -> Result<String, String> {
        if !self.clashes.is_empty() {
            return Err(format!(
                "TypeScript names declared twice with different shapes: {}",
                self.clashes.join(", ")
            ));
        }
        let mut out = String::new();
        for decl in self.decls.values() {
            out.push_str(decl);
            out.push_str("\n\n");
        }
        Ok(out)
    }
}

impl TypeVisitor for Declarations {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let cfg = ts_rs::Config::new().with_large_int("number");
        // Only named types are declared; wrappers and primitives are
        // written inline where they are used.
        if T::output_path().is_some() {
            let decl = format!(
                "{}export {}",
                T::docs().unwrap_or_default(),
                T::decl(&cfg).trim()
            );
            let name = T::ident(&cfg);
            match self.decls.get(&name) {
                Some(old) if *old != decl => self.clashes.push(name),
                Some(_) => {}
                None => {
                    self.decls.insert(name, decl);
                }
            }
        }
        T::visit_dependencies(self);
        T::visit_generics(self);
    }
}

//! What the selection lights up in the diagram. A selected Service
//! lights its entry points, slices and the pods it selects; the other
//! pods of its namespace are marked as missed, with the requirement they
//! fail (the engine's why-not). A selected pod lights the Services that
//! pick it and the way from them to it. Everything else is dimmed.

use crate::layout::{EdgeKind, Item, Layout};
use crate::session::ServiceDetail;
use crate::snapshot::Snapshot;
use crate::state::Target;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Nothing is selected.
    Plain,
    Selected,
    /// Part of what the selection reaches.
    Lit,
    /// A pod of the selected Service's namespace it does not select.
    Missed,
    Dim,
}

impl Mark {
    pub fn class(self) -> &'static str {
        match self {
            Mark::Plain => "",
            Mark::Selected => "selected",
            Mark::Lit => "lit",
            Mark::Missed => "missed",
            Mark::Dim => "dim",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// One per `layout.boxes`.
    pub boxes: Vec<Mark>,
    /// One per `layout.edges`.
    pub edges: Vec<Mark>,
    /// Why each missed pod (index into `snapshot.pods`) is not selected.
    pub why_not: BTreeMap<usize, String>,
}

/// What a selection reaches, by index into the snapshot.
struct Reach {
    chosen: Item,
    services: BTreeSet<usize>,
    pods: BTreeSet<usize>,
    missed: BTreeSet<usize>,
    why_not: BTreeMap<usize, String>,
}

impl Highlight {
    pub fn new(
        s: &Snapshot,
        l: &Layout,
        selected: Option<&Target>,
        service_detail: Option<&ServiceDetail>,
    ) -> Highlight {
        let plain = Highlight {
            boxes: vec![Mark::Plain; l.boxes.len()],
            edges: vec![Mark::Plain; l.edges.len()],
            why_not: BTreeMap::new(),
        };
        let Some(target) = selected else {
            return plain;
        };
        let pod_index = |ns: &str, name: &str| {
            s.pods
                .iter()
                .position(|p| p.key.namespace == ns && p.key.name == name)
        };
        // Services, slices and pods the selection reaches.
        let Reach {
            chosen,
            services,
            pods,
            missed,
            why_not,
        } = match target {
            Target::Service(key) => {
                let Some(si) = s.services.iter().position(|x| &x.key == key) else {
                    return plain;
                };
                let svc = &s.services[si];
                let mut pods: BTreeSet<usize> = BTreeSet::new();
                pods.extend(
                    svc.selected
                        .iter()
                        .filter_map(|n| pod_index(&key.namespace, n)),
                );
                let mut why_not = BTreeMap::new();
                if let Some(d) = service_detail.filter(|d| &d.service == key) {
                    for (requirement, reason, names) in &d.not_selected {
                        for n in names {
                            if let Some(pi) = pod_index(&key.namespace, n) {
                                why_not.insert(pi, format!("{requirement}: {reason}"));
                            }
                        }
                    }
                }
                let missed = s
                    .pods
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| p.key.namespace == key.namespace && !pods.contains(i))
                    .map(|(i, _)| i)
                    .collect();
                Reach {
                    chosen: Item::Service(si),
                    services: BTreeSet::from([si]),
                    pods,
                    missed,
                    why_not,
                }
            }
            Target::Pod(key) => {
                let Some(pi) = s.pods.iter().position(|p| &p.key == key) else {
                    return plain;
                };
                let services = s.pods[pi]
                    .services
                    .iter()
                    .filter_map(|k| s.services.iter().position(|x| &x.key == k))
                    .collect();
                Reach {
                    chosen: Item::Pod(pi),
                    services,
                    pods: BTreeSet::from([pi]),
                    missed: BTreeSet::new(),
                    why_not: BTreeMap::new(),
                }
            }
        };
        let in_group =
            |gi: usize, set: &BTreeSet<usize>| l.groups[gi].pods.iter().any(|p| set.contains(p));
        // Edges: a Service's own edges when a Service is selected; the way
        // to the pod when a pod is.
        let pod_selected = matches!(target, Target::Pod(_));
        let mut lit_slices = BTreeSet::new();
        let edges: Vec<Mark> = l
            .edges
            .iter()
            .map(|e| {
                if !services.contains(&e.service) {
                    return Mark::Dim;
                }
                let to_pod = match (e.pod, e.group) {
                    (Some(p), _) => pods.contains(&p),
                    (None, Some(g)) => in_group(g, &pods),
                    (None, None) => !pod_selected,
                };
                match e.kind {
                    EdgeKind::SliceEndpoint if !to_pod => Mark::Dim,
                    _ => Mark::Lit,
                }
            })
            .collect();
        // A slice is lit when an edge to a reached endpoint leaves it;
        // edges start at the slice's right side.
        for (e, m) in l.edges.iter().zip(&edges) {
            if e.kind == EdgeKind::SliceEndpoint && *m == Mark::Lit {
                lit_slices.insert(e.from);
            }
        }
        let boxes = l
            .boxes
            .iter()
            .map(|b| match &b.item {
                item if *item == chosen => Mark::Selected,
                Item::Service(i) | Item::Entry(i) if services.contains(i) => Mark::Lit,
                Item::Slice(i) => {
                    let right = (b.rect.x + b.rect.w, b.rect.y + b.rect.h / 2);
                    let of_service = s
                        .services
                        .iter()
                        .position(|x| x.key == s.slices[*i].service);
                    if of_service.is_some_and(|si| services.contains(&si))
                        && (!pod_selected || lit_slices.contains(&right))
                    {
                        Mark::Lit
                    } else {
                        Mark::Dim
                    }
                }
                Item::Pod(i) if pods.contains(i) => Mark::Lit,
                Item::Pod(i) if missed.contains(i) => Mark::Missed,
                Item::Group(g) if in_group(*g, &pods) => Mark::Lit,
                Item::Group(g) if in_group(*g, &missed) => Mark::Missed,
                Item::Node(_) | Item::Heading => Mark::Plain,
                _ => Mark::Dim,
            })
            .collect();
        Highlight {
            boxes,
            edges,
            why_not,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery;
    use crate::session::Session;
    use svcscope::NsName;

    fn setup(id: &str) -> (Session, Snapshot, Layout) {
        let e = gallery::find(id).unwrap();
        let mut session = Session::new(e.service_cidr).unwrap();
        let s = session.load(&e.text()).snapshot.unwrap();
        let l = Layout::new(&s, &BTreeSet::new());
        (session, s, l)
    }

    fn marks_of_pods(s: &Snapshot, l: &Layout, h: &Highlight) -> BTreeMap<String, Mark> {
        l.boxes
            .iter()
            .zip(&h.boxes)
            .filter_map(|(b, m)| match b.item {
                Item::Pod(i) => Some((s.pods[i].key.name.clone(), *m)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn nothing_selected_is_plain() {
        let (_, s, l) = setup("my-service");
        let h = Highlight::new(&s, &l, None, None);
        assert!(h.boxes.iter().chain(&h.edges).all(|m| *m == Mark::Plain));
    }

    #[test]
    fn a_service_lights_its_pods_and_marks_the_missed_with_why() {
        let (session, s, l) = setup("my-service");
        let key = NsName::new("my-ns", "my-service");
        let d = session.service_detail(&key).unwrap();
        let h = Highlight::new(&s, &l, Some(&Target::Service(key)), Some(&d));
        let pods = marks_of_pods(&s, &l, &h);
        assert_eq!(pods["myapp-1"], Mark::Lit);
        assert_eq!(pods["myapp-3"], Mark::Lit, "selected, though not ready");
        assert_eq!(pods["myapp-typo"], Mark::Missed);
        let typo = s
            .pods
            .iter()
            .position(|p| p.key.name == "myapp-typo")
            .unwrap();
        assert!(
            h.why_not[&typo].starts_with("app=MyApp: "),
            "{:?}",
            h.why_not
        );
        assert_eq!(
            h.boxes[l
                .boxes
                .iter()
                .position(|b| b.item == Item::Service(0))
                .unwrap()],
            Mark::Selected
        );
        assert!(h.edges.iter().all(|m| *m == Mark::Lit));
    }

    #[test]
    fn a_pod_lights_the_services_that_pick_it() {
        let (_, s, l) = setup("mysql");
        let key = NsName::new("db", "mysql-1");
        let h = Highlight::new(&s, &l, Some(&Target::Pod(key)), None);
        let lit_services: Vec<&str> = l
            .boxes
            .iter()
            .zip(&h.boxes)
            .filter_map(|(b, m)| match b.item {
                Item::Service(i) if *m == Mark::Lit => Some(s.services[i].key.name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(lit_services, ["mysql", "mysql-read"]);
        let pods = marks_of_pods(&s, &l, &h);
        assert_eq!(pods["mysql-1"], Mark::Selected);
        assert_eq!(pods["mysql-0"], Mark::Dim);
        // Only the edges to mysql-1 among the endpoint edges.
        let mysql1 = s.pods.iter().position(|p| p.key.name == "mysql-1").unwrap();
        for (e, m) in l.edges.iter().zip(&h.edges) {
            if e.kind == EdgeKind::SliceEndpoint {
                assert_eq!(*m == Mark::Lit, e.pod == Some(mysql1));
            }
        }
    }

    #[test]
    fn a_selection_that_is_gone_is_plain() {
        let (_, s, l) = setup("typo");
        let h = Highlight::new(&s, &l, Some(&Target::Pod(NsName::new("x", "y"))), None);
        assert!(h.boxes.iter().all(|m| *m == Mark::Plain));
    }
}

//! The page's state and the actions that change it: one reducer
//! ([`State::apply`]), whose actions are plain values. Every change of
//! the text goes through the [`Session`]; the snapshot, the diagram's
//! layout, the problems, the selection's details and the answers to the
//! questions asked are recomputed here, so the components only draw.

use crate::gallery;
use crate::layout::Layout;
use crate::session::{DnsView, PodDetail, RulesView, ServiceDetail, Session};
use crate::snapshot::{Problem, Snapshot};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use svcscope::NsName;

/// What is selected in the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Service(NsName),
    Pod(NsName),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Inspect,
    Problems,
    Dns,
    Endpoints,
    Rules,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Inspect,
        Tab::Problems,
        Tab::Dns,
        Tab::Endpoints,
        Tab::Rules,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Tab::Inspect => "inspect",
            Tab::Problems => "problems",
            Tab::Dns => "dns",
            Tab::Endpoints => "endpoints",
            Tab::Rules => "rules",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// The system's preference (`prefers-color-scheme`).
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn id(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_id(s: &str) -> Option<Theme> {
        [Theme::System, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.id() == s)
    }
}

/// The selection's details.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Service(ServiceDetail),
    Pod(PodDetail),
}

/// The DNS box: the last question and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsAsk {
    pub name: String,
    pub qtype: String,
    pub from: Option<NsName>,
    pub answer: Result<DnsView, String>,
}

/// The rules panel: the node and mode shown and what they gave.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesAsk {
    pub node: String,
    pub mode: String,
    pub result: Result<RulesView, String>,
}

/// A line of the editor to scroll to; `nonce` tells two asks for the
/// same line apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reveal {
    pub line: usize,
    pub nonce: u64,
}

/// Where the page starts: the text to open and the settings it had.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    pub text: String,
    pub example: Option<&'static str>,
    pub service_cidr: String,
    pub theme: Theme,
    /// Said once the page is up (e.g. why a link did not open).
    pub notice: Option<String>,
}

impl Start {
    /// The gallery's first example.
    pub fn first_example(theme: Theme, notice: Option<String>) -> Start {
        let e = gallery::find(gallery::FIRST).unwrap_or(&gallery::EXAMPLES[0]);
        Start {
            text: e.text(),
            example: Some(e.id),
            service_cidr: e.service_cidr.to_string(),
            theme,
            notice,
        }
    }
}

#[derive(Clone)]
pub struct State {
    session: Rc<RefCell<Session>>,
    /// The editor's text as the cluster last read it.
    pub text: Rc<str>,
    /// Bumped when the text is replaced from outside the editor (an
    /// example, a link): the editor then takes `text`.
    pub text_revision: u64,
    pub example: Option<&'static str>,
    pub service_cidr: String,
    pub notice: Option<String>,
    /// The cluster the page shows (the last text without errors).
    pub snapshot: Rc<Snapshot>,
    pub layout: Rc<Layout>,
    /// The current text's problems.
    pub problems: Rc<Vec<Problem>>,
    /// The current text has errors: `snapshot` is an earlier text's.
    pub has_errors: bool,
    /// Bumped at every load.
    pub revision: u64,
    pub selected: Option<Target>,
    pub detail: Option<Rc<Result<Detail, String>>>,
    pub tab: Tab,
    pub theme: Theme,
    /// The diagram's scale (1 = 100 %).
    pub zoom: f64,
    /// Ids of the pod groups shown pod by pod.
    pub expanded: BTreeSet<String>,
    pub dns: Option<DnsAsk>,
    pub rules: Option<RulesAsk>,
    /// The Endpoints tab's YAML: the selected Service's, else all.
    pub endpoints_yaml: Option<Rc<Result<String, String>>>,
    pub reveal: Option<Reveal>,
}

impl PartialEq for State {
    /// Two states are the same page when nothing drawn differs; the
    /// session is the same object for a page's life.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session)
            && self.text_revision == other.text_revision
            && self.revision == other.revision
            && self.example == other.example
            && self.service_cidr == other.service_cidr
            && self.notice == other.notice
            && self.selected == other.selected
            && self.tab == other.tab
            && self.theme == other.theme
            && self.zoom == other.zoom
            && self.expanded == other.expanded
            && self.dns == other.dns
            && self.rules == other.rules
            && self.endpoints_yaml == other.endpoints_yaml
            && self.reveal == other.reveal
            && self.detail == other.detail
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The editor's text after an edit.
    Edit(String),
    OpenExample(String),
    /// A text from elsewhere (a `#m=` link) in place of the editor's.
    OpenText(String),
    /// A message for the notice bar (a link that could not be opened).
    Notify(String),
    SetServiceCidr(String),
    Select(Target),
    ClearSelection,
    SetTab(Tab),
    SetTheme(Theme),
    SetZoom(f64),
    ToggleGroup(String),
    AskDns {
        name: String,
        qtype: String,
        from: Option<NsName>,
    },
    ShowRules {
        node: String,
        mode: String,
    },
    /// Scroll the editor to a line.
    Reveal(usize),
    DismissNotice,
}

pub const MIN_ZOOM: f64 = 0.25;
pub const MAX_ZOOM: f64 = 2.5;

impl State {
    pub fn new(start: Start) -> State {
        let (session, service_cidr, notice) = match Session::new(&start.service_cidr) {
            Ok(s) => (s, start.service_cidr, start.notice),
            Err(e) => (
                Session::with_default_cidr(),
                gallery::DEFAULT_SERVICE_CIDR.to_string(),
                Some(e),
            ),
        };
        let mut s = State {
            session: Rc::new(RefCell::new(session)),
            text: Rc::from(""),
            text_revision: 0,
            example: start.example,
            service_cidr,
            notice,
            snapshot: Rc::new(Snapshot::default()),
            layout: Rc::new(Layout::default()),
            problems: Rc::new(Vec::new()),
            has_errors: false,
            revision: 0,
            selected: None,
            detail: None,
            tab: Tab::Inspect,
            theme: start.theme,
            zoom: 1.0,
            expanded: BTreeSet::new(),
            dns: None,
            rules: None,
            endpoints_yaml: None,
            reveal: None,
        };
        s.load(&start.text);
        s
    }

    /// The state after `action`.
    pub fn apply(&self, action: Action) -> State {
        let mut s = self.clone();
        match action {
            Action::Edit(text) => {
                if *text != *s.text {
                    s.load(&text);
                }
            }
            Action::OpenExample(id) => match gallery::find(&id) {
                Some(e) => {
                    s.example = Some(e.id);
                    s.selected = None;
                    s.expanded.clear();
                    s.dns = None;
                    s.rules = None;
                    s.notice = None;
                    if e.service_cidr != s.service_cidr {
                        // Every gallery CIDR parses (a test says so); were
                        // one not to, the example opens in the current
                        // cluster, with the reason shown.
                        match Session::new(e.service_cidr) {
                            Ok(session) => {
                                s.service_cidr = e.service_cidr.to_string();
                                s.session = Rc::new(RefCell::new(session));
                            }
                            Err(err) => s.notice = Some(err),
                        }
                    }
                    s.text_revision += 1;
                    s.load(&e.text());
                }
                None => s.notice = Some(format!("there is no example {id:?}")),
            },
            Action::OpenText(text) => {
                s.example = None;
                s.selected = None;
                s.expanded.clear();
                s.notice = None;
                s.text_revision += 1;
                s.load(&text);
            }
            Action::Notify(message) => s.notice = Some(message),
            Action::SetServiceCidr(cidr) => match Session::new(cidr.trim()) {
                Ok(session) => {
                    s.session = Rc::new(RefCell::new(session));
                    s.service_cidr = cidr.trim().to_string();
                    s.notice = None;
                    let text = s.text.clone();
                    s.load(&text);
                }
                Err(e) => s.notice = Some(e),
            },
            Action::Select(t) => {
                s.selected = Some(t);
                s.tab = Tab::Inspect;
                s.refresh_views();
            }
            Action::ClearSelection => {
                s.selected = None;
                s.refresh_views();
            }
            Action::SetTab(t) => {
                s.tab = t;
                s.refresh_views();
            }
            Action::SetTheme(t) => s.theme = t,
            Action::SetZoom(z) => {
                if z.is_finite() {
                    s.zoom = z.clamp(MIN_ZOOM, MAX_ZOOM);
                }
            }
            Action::ToggleGroup(id) => {
                if !s.expanded.remove(&id) {
                    s.expanded.insert(id);
                }
                s.layout = Rc::new(Layout::new(&s.snapshot, &s.expanded));
            }
            Action::AskDns { name, qtype, from } => {
                let answer = s.session.borrow().dns(&name, &qtype, from.as_ref());
                s.dns = Some(DnsAsk {
                    name,
                    qtype,
                    from,
                    answer,
                });
            }
            Action::ShowRules { node, mode } => {
                let result = s.session.borrow().rules(&node, &mode);
                s.rules = Some(RulesAsk { node, mode, result });
            }
            Action::Reveal(line) => {
                s.reveal = Some(Reveal {
                    line,
                    nonce: s.reveal.map_or(1, |r| r.nonce + 1),
                });
            }
            Action::DismissNotice => s.notice = None,
        }
        s
    }

    /// Loads a text into the cluster and recomputes what shows it.
    fn load(&mut self, text: &str) {
        let loaded = self.session.borrow_mut().load(text);
        self.text = Rc::from(text);
        self.revision += 1;
        self.problems = Rc::new(loaded.problems);
        self.has_errors = loaded.has_errors;
        if let Some(snapshot) = loaded.snapshot {
            // Groups of pods that are gone stay forgotten.
            self.snapshot = Rc::new(snapshot);
            self.layout = Rc::new(Layout::new(&self.snapshot, &self.expanded));
            let still_there = match &self.selected {
                Some(Target::Service(k)) => self.snapshot.service(k).is_some(),
                Some(Target::Pod(k)) => self.snapshot.pod(k).is_some(),
                None => true,
            };
            if !still_there {
                self.selected = None;
            }
        }
        self.refresh_views();
        // The questions asked are answered again for the new cluster.
        if let Some(q) = self.dns.take() {
            let from = q.from.filter(|p| self.snapshot.pod(p).is_some());
            let answer = self.session.borrow().dns(&q.name, &q.qtype, from.as_ref());
            self.dns = Some(DnsAsk { from, answer, ..q });
        }
        if let Some(r) = self.rules.take() {
            let result = self.session.borrow().rules(&r.node, &r.mode);
            self.rules = Some(RulesAsk { result, ..r });
        }
    }

    /// The selection's details and the open tab's content.
    fn refresh_views(&mut self) {
        let session = self.session.borrow();
        self.detail = match &self.selected {
            Some(Target::Service(k)) => {
                Some(Rc::new(session.service_detail(k).map(Detail::Service)))
            }
            Some(Target::Pod(k)) => self.snapshot.pod(k).map(|p| {
                let containers: Vec<String> = p.containers.iter().map(|c| c.name.clone()).collect();
                Rc::new(Ok(Detail::Pod(session.pod_detail(k, &containers, &p.ips))))
            }),
            None => None,
        };
        self.endpoints_yaml = (self.tab == Tab::Endpoints).then(|| {
            Rc::new(match &self.detail.as_deref() {
                Some(Ok(Detail::Service(d))) => Ok(d.endpoints_yaml.clone()),
                _ => session.all_endpoints_yaml(),
            })
        });
    }

    /// How many problems of each level: errors, warnings, infos.
    pub fn problem_counts(&self) -> (usize, usize, usize) {
        use crate::snapshot::Level;
        self.problems
            .iter()
            .fold((0, 0, 0), |(e, w, i), p| match p.severity {
                Level::Error => (e + 1, w, i),
                Level::Warning => (e, w + 1, i),
                Level::Info => (e, w, i + 1),
            })
    }

    /// The problems as the editor's bridge takes them: JSON of
    /// `[{line, column, severity, message}]`, placed ones only (column 0:
    /// the whole line).
    pub fn editor_diagnostics(&self) -> String {
        let list: Vec<serde_json::Value> = self
            .problems
            .iter()
            .filter_map(|p| {
                Some(serde_json::json!({
                    "line": p.line?,
                    "column": p.column.unwrap_or(0),
                    "severity": p.severity.as_str(),
                    "message": p.message,
                }))
            })
            .collect();
        serde_json::Value::Array(list).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Item;

    fn start(id: &str) -> State {
        let e = gallery::find(id).unwrap();
        State::new(Start {
            text: e.text(),
            example: Some(e.id),
            service_cidr: e.service_cidr.into(),
            theme: Theme::System,
            notice: None,
        })
    }

    #[test]
    fn opens_on_the_first_example() {
        let s = State::new(Start::first_example(Theme::Dark, None));
        assert_eq!(s.example, Some(gallery::FIRST));
        assert!(!s.has_errors);
        assert_eq!(s.snapshot.services.len(), 1);
        assert!(s.layout.find(&Item::Service(0)).is_some());
        assert_eq!(s.theme, Theme::Dark);
    }

    #[test]
    fn selecting_a_service_gives_its_why_not() {
        let s = start("my-service").apply(Action::Select(Target::Service(NsName::new(
            "my-ns",
            "my-service",
        ))));
        match s.detail.as_deref() {
            Some(Ok(Detail::Service(d))) => {
                assert_eq!(d.selected.len(), 3);
                assert_eq!(d.not_selected[0].2, ["myapp-typo"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.tab, Tab::Inspect);
        let s = s.apply(Action::ClearSelection);
        assert!(s.detail.is_none());
    }

    #[test]
    fn an_edit_that_removes_the_selection_clears_it() {
        let s = start("my-service").apply(Action::Select(Target::Pod(NsName::new(
            "my-ns",
            "myapp-typo",
        ))));
        assert!(matches!(s.detail.as_deref(), Some(Ok(Detail::Pod(_)))));
        let text = s.text.replace("name: myapp-typo", "name: myapp-4");
        let s = s.apply(Action::Edit(text));
        assert_eq!(s.selected, None);
        assert!(s.snapshot.pod(&NsName::new("my-ns", "myapp-4")).is_some());
    }

    #[test]
    fn a_broken_edit_keeps_the_diagram_and_says_so() {
        let s = start("my-service");
        let layout = s.layout.clone();
        let s = s.apply(Action::Edit(format!("{}\n  bad: [", s.text)));
        assert!(s.has_errors);
        assert!(Rc::ptr_eq(&layout, &s.layout));
        assert_eq!(s.problem_counts().0, 1);
        let json: serde_json::Value = serde_json::from_str(&s.editor_diagnostics()).unwrap();
        assert_eq!(json[0]["severity"], "error");
        // At the end of the text, where the parser ran out.
        assert!(json[0]["line"].as_u64().unwrap() as usize >= s.text.lines().count());
        assert!(json[0]["message"]
            .as_str()
            .unwrap()
            .contains("node content"));
    }

    #[test]
    fn typing_a_wrong_field_value_gives_a_diagnostic_at_its_object() {
        let s = start("multi-port");
        let text = s.text.replace(
            "protocol: TCP\n    port: 443",
            "protocol: HTTP\n    port: 443",
        );
        let s = s.apply(Action::Edit(text));
        assert!(!s.has_errors, "the apiserver refuses, the text is fine");
        let p = s
            .problems
            .iter()
            .find(|p| p.code == "rejected")
            .expect("a rejection");
        assert!(
            p.message.contains("spec.ports[1].protocol"),
            "{}",
            p.message
        );
        // The Service's document starts on line 2 (after the comment).
        assert_eq!(p.line, Some(2));
    }

    #[test]
    fn the_scale_example_is_grouped_and_groups_expand() {
        let s = start("scale");
        assert!(s.layout.grouped);
        let id = s.layout.groups[0].id.clone();
        let before = s.layout.boxes.len();
        let s = s.apply(Action::ToggleGroup(id.clone()));
        assert!(s.layout.groups[0].expanded);
        assert_eq!(s.layout.boxes.len(), before + s.layout.groups[0].pods.len());
        let s = s.apply(Action::ToggleGroup(id));
        assert_eq!(s.layout.boxes.len(), before);
    }

    #[test]
    fn questions_are_answered_again_after_an_edit() {
        let s = start("my-service").apply(Action::AskDns {
            name: "my-service".into(),
            qtype: "A".into(),
            from: Some(NsName::new("my-ns", "myapp-1")),
        });
        let first = s.dns.clone().unwrap().answer.unwrap();
        assert!(first.text.contains("NOERROR"));
        let s = s.apply(Action::Edit(
            s.text.replace("name: my-service", "name: other"),
        ));
        let again = s.dns.unwrap().answer.unwrap();
        assert!(again.text.contains("NXDOMAIN"), "{}", again.text);
    }

    #[test]
    fn rules_and_endpoints_tabs() {
        let s = start("node-port").apply(Action::ShowRules {
            node: "node-b".into(),
            mode: "iptables".into(),
        });
        assert!(s
            .rules
            .as_ref()
            .unwrap()
            .result
            .as_ref()
            .unwrap()
            .text
            .contains("30061"));
        let s = s.apply(Action::SetTab(Tab::Endpoints));
        let yaml = s.endpoints_yaml.as_deref().unwrap().as_ref().unwrap();
        assert!(yaml.contains("kind: EndpointSlice"), "{yaml}");
    }

    #[test]
    fn a_bad_service_cidr_keeps_the_cluster() {
        let s = start("my-service");
        let s2 = s.apply(Action::SetServiceCidr("10.0.0.0/40".into()));
        assert!(s2.notice.as_deref().unwrap().contains("10.0.0.0/40"));
        assert_eq!(s2.service_cidr, s.service_cidr);
        let s3 = s2.apply(Action::SetServiceCidr("10.100.0.0/16".into()));
        assert_eq!(s3.notice, None);
        // The seeds' Service gets a new IP from the new range.
        let ip = &s3.snapshot.services[0].cluster_ips[0];
        assert!(ip.starts_with("10.100."), "{ip}");
    }

    #[test]
    fn opening_an_example_replaces_the_text() {
        let s = start("my-service");
        let s = s.apply(Action::OpenExample("dual-stack".into()));
        assert_eq!(s.text_revision, 1);
        assert_eq!(s.example, Some("dual-stack"));
        assert_eq!(s.snapshot.services[0].cluster_ips.len(), 2);
        let s = s.apply(Action::OpenExample("nope".into()));
        assert!(s.notice.is_some());
    }

    #[test]
    fn a_linked_text_replaces_the_example() {
        let s = start("my-service").apply(Action::Select(Target::Service(NsName::new(
            "my-ns",
            "my-service",
        ))));
        let text = "kind: Service\napiVersion: v1\nmetadata: {name: linked}\nspec: {ports: [{port: 80}]}\n";
        let s = s.apply(Action::OpenText(text.into()));
        assert_eq!(
            (s.example, s.text_revision, s.selected.clone()),
            (None, 1, None)
        );
        assert_eq!(&*s.text, text);
        assert!(s.snapshot.services.iter().any(|x| x.key.name == "linked"));
        let s = s.apply(Action::Notify("a bad link".into()));
        assert_eq!(s.notice.as_deref(), Some("a bad link"));
        assert_eq!(&*s.text, text, "a notice leaves the text");
    }

    #[test]
    fn a_deployment_runs_pods_the_service_selects() {
        let s = start("deployment");
        let pods: Vec<_> = s
            .snapshot
            .pods
            .iter()
            .filter(|p| p.key.name.starts_with("nginx-deployment-"))
            .collect();
        assert_eq!(pods.len(), 3);
        for p in &pods {
            assert!(p.ready, "{p:?}");
            assert!(p.node.is_some(), "{p:?}");
            let owner = p.controlled_by.as_deref().unwrap();
            assert!(owner.starts_with("ReplicaSet/nginx-deployment-"), "{owner}");
        }
        let svc = s
            .snapshot
            .services
            .iter()
            .find(|x| x.key.name == "nginx")
            .unwrap();
        assert_eq!(svc.selected.len(), 3);
    }

    #[test]
    fn zoom_is_bounded() {
        let s = start("typo");
        assert_eq!(s.apply(Action::SetZoom(100.0)).zoom, MAX_ZOOM);
        assert_eq!(s.apply(Action::SetZoom(f64::NAN)).zoom, 1.0);
    }
}

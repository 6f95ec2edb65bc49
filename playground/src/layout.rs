//! The diagram's geometry: boxes, their text lines and the edges between
//! them, in four columns — entry points from outside (node ports,
//! load-balancer and external IPs) → Services → EndpointSlices → pods.
//! A pure function of the [`Snapshot`] and the expanded groups: the same
//! cluster always gives the same picture, so a change moves only what it
//! changed.
//!
//! Each Service is a band: its entry points and slices sit beside it.
//! Pods are grouped by node and then namespace, each pod its own card. A
//! large cluster (more than [`LARGE_CLUSTER_PODS`] pods) collapses them
//! into groups — the pods of one controller that the same Services
//! select — shown with counts beside the band of the first Service that
//! selects them; a group expands into its pods.

use crate::snapshot::{PodView, ServiceView, SliceView, Snapshot};
use std::collections::{BTreeMap, BTreeSet};
use svcscope::NsName;

/// Above this many pods, pods are drawn as collapsible groups.
pub const LARGE_CLUSTER_PODS: usize = 60;

const TOP: i32 = 36;
// Room for a port mapping (`3306 → 3306`) on the edges between columns.
const GAP_X: i32 = 92;
const GAP_Y: i32 = 14;
const ENTRY_W: i32 = 170;
const SERVICE_W: i32 = 230;
const SLICE_W: i32 = 180;
const POD_W: i32 = 220;
const NODE_PAD: i32 = 10;
const NODE_HEAD: i32 = 26;
const NS_HEAD: i32 = 18;
const TITLE_H: i32 = 22;
const LINE_H: i32 = 16;
const BOX_PAD: i32 = 8;
/// An average glyph of the diagram's 12 px sans-serif, a little wide so
/// that text never overruns its box.
const CHAR_W: f64 = 6.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    fn right_mid(&self) -> (i32, i32) {
        (self.x + self.w, self.y + self.h / 2)
    }
    fn left_mid(&self) -> (i32, i32) {
        (self.x, self.y + self.h / 2)
    }
    fn bottom(&self) -> i32 {
        self.y + self.h
    }
}

/// One line of a box: its text (cut to fit; `full` holds the whole
/// when it was cut) and how it is styled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub full: Option<String>,
    pub style: LineStyle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    Title,
    Plain,
    Muted,
    Mono,
    Warning,
}

/// What a box stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Entry points of `snapshot.services[i]`.
    Entry(usize),
    Service(usize),
    Slice(usize),
    Pod(usize),
    /// Pods of one workload, collapsed (`groups[i]`).
    Group(usize),
    /// A node's frame (`nodes[i]` of the layout).
    Node(usize),
    /// A namespace's heading inside a node frame.
    Heading,
    /// Endpoints that are no pod (hand-written addresses).
    Addresses,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxItem {
    pub item: Item,
    pub rect: Rect,
    pub lines: Vec<Line>,
    /// A short kind badge (`NodePort`, `headless`, …).
    pub badge: Option<String>,
    /// What a screen reader says for it.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Entry,
    ServiceSlice,
    SliceEndpoint,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub kind: EdgeKind,
    pub from: (i32, i32),
    pub to: (i32, i32),
    /// The port mapping it carries.
    pub label: Option<String>,
    /// The Service whose traffic it carries.
    pub service: usize,
    /// The pod (or group) it ends at.
    pub pod: Option<usize>,
    pub group: Option<usize>,
    /// The endpoint is ready (serving traffic) — else drawn dashed.
    pub ready: bool,
}

/// A collapsed set of pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable across renders: what [`Layout::new`]'s `expanded` holds.
    pub id: String,
    pub namespace: String,
    pub name: String,
    /// Indexes into `snapshot.pods`.
    pub pods: Vec<usize>,
    pub ready: usize,
    pub nodes: Vec<String>,
    pub expanded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub x: i32,
    pub title: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    pub columns: Vec<Column>,
    /// Node frames first, then every other box (drawing order).
    pub boxes: Vec<BoxItem>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
    /// The node names of the `Item::Node` frames.
    pub nodes: Vec<String>,
    /// Whether pods are collapsed into groups.
    pub grouped: bool,
}

impl Layout {
    /// Lays out `s`; `expanded` holds the ids of groups shown pod by pod.
    pub fn new(s: &Snapshot, expanded: &BTreeSet<String>) -> Layout {
        let mut l = Layout {
            grouped: s.pods.len() > LARGE_CLUSTER_PODS,
            ..Layout::default()
        };
        let entries: Vec<Vec<Line>> = s.services.iter().map(entry_lines).collect();
        let has_entries = entries.iter().any(|e| !e.is_empty());
        let mut x = 16;
        let entry_x = x;
        if has_entries {
            l.columns.push(Column {
                x,
                title: "Entry points",
            });
            x += ENTRY_W + GAP_X;
        }
        let service_x = x;
        l.columns.push(Column {
            x,
            title: "Services",
        });
        x += SERVICE_W + GAP_X;
        let slice_x = x;
        l.columns.push(Column {
            x,
            title: "EndpointSlices",
        });
        x += SLICE_W + GAP_X;
        let pod_x = x;
        l.columns.push(Column { x, title: "Pods" });
        l.width = pod_x + POD_W + 2 * NODE_PAD + 16;

        let slices_of: BTreeMap<&NsName, Vec<usize>> =
            s.slices
                .iter()
                .enumerate()
                .fold(BTreeMap::new(), |mut m, (i, sl)| {
                    m.entry(&sl.service).or_insert_with(Vec::new).push(i);
                    m
                });
        let mut pod_index: BTreeMap<&NsName, usize> = BTreeMap::new();
        pod_index.extend(s.pods.iter().enumerate().map(|(i, p)| (&p.key, i)));

        // Groups, and the band each belongs to.
        let groups = if l.grouped {
            group_pods(s, expanded)
        } else {
            Vec::new()
        };
        let mut groups_of_band: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut service_index: BTreeMap<&NsName, usize> = BTreeMap::new();
        service_index.extend(s.services.iter().enumerate().map(|(i, sv)| (&sv.key, i)));
        for (gi, g) in groups.iter().enumerate() {
            let band = s.pods[g.pods[0]]
                .services
                .first()
                .and_then(|k| service_index.get(k).copied())
                .unwrap_or(usize::MAX);
            groups_of_band.entry(band).or_default().push(gi);
        }

        // The left columns, band by band (and, grouped, the pods too).
        let mut y = TOP;
        let mut slice_boxes: BTreeMap<usize, usize> = BTreeMap::new();
        let mut group_boxes: BTreeMap<usize, usize> = BTreeMap::new();
        let mut pod_boxes: BTreeMap<usize, usize> = BTreeMap::new();
        for (si, svc) in s.services.iter().enumerate() {
            let lines = service_lines(svc);
            let rect = Rect {
                x: service_x,
                y,
                w: SERVICE_W,
                h: box_height(&lines),
            };
            l.boxes.push(BoxItem {
                item: Item::Service(si),
                rect,
                badge: Some(service_badge(svc)),
                label: service_label(svc),
                lines,
            });
            let mut bottom = rect.bottom();
            if !entries[si].is_empty() {
                let lines = entries[si].clone();
                let er = Rect {
                    x: entry_x,
                    y,
                    w: ENTRY_W,
                    h: box_height(&lines),
                };
                l.edges.push(Edge {
                    kind: EdgeKind::Entry,
                    from: er.right_mid(),
                    to: rect.left_mid(),
                    label: None,
                    service: si,
                    pod: None,
                    group: None,
                    ready: true,
                });
                l.boxes.push(BoxItem {
                    item: Item::Entry(si),
                    rect: er,
                    badge: None,
                    label: format!("Entry points of Service {}", svc.key),
                    lines,
                });
                bottom = bottom.max(er.bottom());
            }
            let mut sy = y;
            for &sli in slices_of.get(&svc.key).map(Vec::as_slice).unwrap_or(&[]) {
                let sl = &s.slices[sli];
                let lines = slice_lines(sl);
                let r = Rect {
                    x: slice_x,
                    y: sy,
                    w: SLICE_W,
                    h: box_height(&lines),
                };
                l.edges.push(Edge {
                    kind: EdgeKind::ServiceSlice,
                    from: rect.right_mid(),
                    to: r.left_mid(),
                    label: port_mapping(svc, sl),
                    service: si,
                    pod: None,
                    group: None,
                    ready: true,
                });
                slice_boxes.insert(sli, l.boxes.len());
                l.boxes.push(BoxItem {
                    item: Item::Slice(sli),
                    rect: r,
                    badge: Some(sl.address_type.clone()),
                    label: format!(
                        "EndpointSlice {} of Service {}, {} endpoint(s)",
                        sl.name,
                        svc.key,
                        sl.endpoints.len()
                    ),
                    lines,
                });
                sy = r.bottom() + GAP_Y;
                bottom = bottom.max(r.bottom());
            }
            if l.grouped {
                let gy = place_groups(
                    &mut l,
                    s,
                    &groups,
                    groups_of_band.get(&si).map(Vec::as_slice).unwrap_or(&[]),
                    pod_x,
                    y,
                    &mut group_boxes,
                    &mut pod_boxes,
                );
                bottom = bottom.max(gy - GAP_Y);
            }
            y = bottom + 2 * GAP_Y;
        }
        let mut pods_bottom = if l.grouped {
            // Pods no Service selects, after the last band.
            place_groups(
                &mut l,
                s,
                &groups,
                groups_of_band
                    .get(&usize::MAX)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]),
                pod_x,
                y,
                &mut group_boxes,
                &mut pod_boxes,
            )
        } else {
            place_pods_by_node(&mut l, s, pod_x, &mut pod_boxes)
        };
        // Endpoints that are no pod: one box under the pods.
        let addresses: Vec<(usize, usize)> = s
            .slices
            .iter()
            .enumerate()
            .flat_map(|(sli, sl)| {
                sl.endpoints
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.pod.is_none())
                    .map(move |(ei, _)| (sli, ei))
            })
            .collect();
        let mut address_box = None;
        if !addresses.is_empty() {
            let mut lines = vec![line("Not pods", LineStyle::Title)];
            for &(sli, ei) in &addresses {
                let e = &s.slices[sli].endpoints[ei];
                let state = if e.ready { "ready" } else { "not ready" };
                lines.push(fit(
                    &format!("{} ({state})", e.address),
                    POD_W,
                    LineStyle::Mono,
                ));
            }
            let r = Rect {
                x: pod_x,
                y: pods_bottom.max(TOP),
                w: POD_W + 2 * NODE_PAD,
                h: box_height(&lines),
            };
            pods_bottom = r.bottom() + GAP_Y;
            address_box = Some(r);
            l.boxes.push(BoxItem {
                item: Item::Addresses,
                rect: r,
                badge: None,
                label: format!("{} endpoint address(es) that are no pod", addresses.len()),
                lines,
            });
        }

        // Slices to what their endpoints stand for.
        let service_of_slice = |sl: &SliceView| service_index.get(&sl.service).copied();
        let mut group_of_pod: BTreeMap<usize, usize> = BTreeMap::new();
        group_of_pod.extend(
            groups
                .iter()
                .enumerate()
                .flat_map(|(gi, g)| g.pods.iter().map(move |&p| (p, gi))),
        );
        for (sli, sl) in s.slices.iter().enumerate() {
            let (Some(&sb), Some(si)) = (slice_boxes.get(&sli), service_of_slice(sl)) else {
                continue;
            };
            let from = l.boxes[sb].rect.right_mid();
            let port_label = slice_port_label(sl);
            let mut to_groups: BTreeMap<usize, bool> = BTreeMap::new();
            for (ei, e) in sl.endpoints.iter().enumerate() {
                let pod = e.pod.as_ref().and_then(|name| {
                    pod_index
                        .get(&NsName::new(&sl.service.namespace, name))
                        .copied()
                });
                match pod {
                    Some(pi) => {
                        if let Some(&pb) = pod_boxes.get(&pi) {
                            l.edges.push(Edge {
                                kind: EdgeKind::SliceEndpoint,
                                from,
                                to: l.boxes[pb].rect.left_mid(),
                                label: port_label.clone(),
                                service: si,
                                pod: Some(pi),
                                group: group_of_pod.get(&pi).copied(),
                                ready: e.ready,
                            });
                        } else if let Some(&gi) = group_of_pod.get(&pi) {
                            *to_groups.entry(gi).or_insert(false) |= e.ready;
                        }
                    }
                    None if e.pod.is_none() => {
                        if let Some(r) = address_box {
                            let row = addresses.iter().position(|a| *a == (sli, ei)).unwrap_or(0);
                            let y = r.y + BOX_PAD + TITLE_H + row as i32 * LINE_H + LINE_H / 2 - 4;
                            l.edges.push(Edge {
                                kind: EdgeKind::SliceEndpoint,
                                from,
                                to: (r.x, y),
                                label: port_label.clone(),
                                service: si,
                                pod: None,
                                group: None,
                                ready: e.ready,
                            });
                        }
                    }
                    // A pod the cluster no longer has: nothing to point at.
                    None => {}
                }
            }
            for (gi, ready) in to_groups {
                let gb = group_boxes[&gi];
                let count = sl
                    .endpoints
                    .iter()
                    .filter(|e| {
                        e.pod.as_ref().is_some_and(|n| {
                            pod_index
                                .get(&NsName::new(&sl.service.namespace, n))
                                .is_some_and(|pi| group_of_pod.get(pi) == Some(&gi))
                        })
                    })
                    .count();
                l.edges.push(Edge {
                    kind: EdgeKind::SliceEndpoint,
                    from,
                    to: l.boxes[gb].rect.left_mid(),
                    label: Some(match &port_label {
                        Some(p) => format!("{p} ×{count}"),
                        None => format!("×{count}"),
                    }),
                    service: si,
                    pod: None,
                    group: Some(gi),
                    ready,
                });
            }
        }
        l.groups = groups;
        l.height = y.max(pods_bottom) + 16;
        // Node frames are drawn first, under their pods.
        svcscope::order::sort_by_key(&mut l.boxes, |b| !matches!(b.item, Item::Node(_)));
        l
    }

    /// The box of an item.
    pub fn find(&self, item: &Item) -> Option<&BoxItem> {
        self.boxes.iter().find(|b| &b.item == item)
    }
}

/// Nodes (sorted, pods without one last) framing their pods, by
/// namespace. Returns the y under the last frame.
fn place_pods_by_node(
    l: &mut Layout,
    s: &Snapshot,
    x: i32,
    pod_boxes: &mut BTreeMap<usize, usize>,
) -> i32 {
    let mut by_node: BTreeMap<(bool, &str), BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    for (i, p) in s.pods.iter().enumerate() {
        let node = p.node.as_deref();
        by_node
            .entry((node.is_none(), node.unwrap_or("")))
            .or_default()
            .entry(p.key.namespace.as_str())
            .or_default()
            .push(i);
    }
    let mut y = TOP;
    for ((unscheduled, node), namespaces) in by_node {
        let top = y;
        let mut iy = y + NODE_HEAD;
        for (ns, pods) in namespaces {
            l.boxes.push(BoxItem {
                item: Item::Heading,
                rect: Rect {
                    x: x + NODE_PAD,
                    y: iy,
                    w: POD_W,
                    h: NS_HEAD,
                },
                badge: None,
                label: format!("namespace {ns}"),
                lines: vec![fit(&format!("namespace {ns}"), POD_W, LineStyle::Muted)],
            });
            iy += NS_HEAD;
            for pi in pods {
                let lines = pod_lines(&s.pods[pi]);
                let r = Rect {
                    x: x + NODE_PAD,
                    y: iy,
                    w: POD_W,
                    h: box_height(&lines),
                };
                pod_boxes.insert(pi, l.boxes.len());
                l.boxes.push(BoxItem {
                    item: Item::Pod(pi),
                    rect: r,
                    badge: Some(pod_badge(&s.pods[pi])),
                    label: pod_label(&s.pods[pi]),
                    lines,
                });
                iy = r.bottom() + GAP_Y / 2 + 2;
            }
        }
        let node_name = if unscheduled { "(no node)" } else { node };
        let frame = Rect {
            x,
            y: top,
            w: POD_W + 2 * NODE_PAD,
            h: iy - top + NODE_PAD / 2,
        };
        l.nodes.push(node_name.to_string());
        l.boxes.push(BoxItem {
            item: Item::Node(l.nodes.len() - 1),
            rect: frame,
            badge: None,
            label: format!("Node {node_name}"),
            lines: vec![line(
                &if unscheduled {
                    "not scheduled".to_string()
                } else {
                    format!("node {node_name}")
                },
                LineStyle::Muted,
            )],
        });
        y = frame.bottom() + GAP_Y;
    }
    y
}

/// Groups in one band, stacked from `y`; returns the y under them.
#[allow(clippy::too_many_arguments)]
fn place_groups(
    l: &mut Layout,
    s: &Snapshot,
    groups: &[Group],
    band: &[usize],
    x: i32,
    mut y: i32,
    group_boxes: &mut BTreeMap<usize, usize>,
    pod_boxes: &mut BTreeMap<usize, usize>,
) -> i32 {
    for &gi in band {
        let g = &groups[gi];
        let mut lines = vec![
            fit(
                &format!("{} ×{}", g.name, g.pods.len()),
                POD_W,
                LineStyle::Title,
            ),
            fit(
                &format!("namespace {}", g.namespace),
                POD_W,
                LineStyle::Muted,
            ),
            fit(
                &format!(
                    "{}/{} ready · {} node(s)",
                    g.ready,
                    g.pods.len(),
                    g.nodes.len()
                ),
                POD_W,
                if g.ready < g.pods.len() {
                    LineStyle::Warning
                } else {
                    LineStyle::Plain
                },
            ),
        ];
        lines.push(line(
            if g.expanded {
                "▾ collapse"
            } else {
                "▸ expand"
            },
            LineStyle::Muted,
        ));
        let head = box_height(&lines);
        let mut r = Rect {
            x,
            y,
            w: POD_W + 2 * NODE_PAD,
            h: head,
        };
        let gb = l.boxes.len();
        group_boxes.insert(gi, gb);
        l.boxes.push(BoxItem {
            item: Item::Group(gi),
            rect: r,
            badge: None,
            label: format!(
                "Group of {} pods {} in namespace {}, {} ready{}",
                g.pods.len(),
                g.name,
                g.namespace,
                g.ready,
                if g.expanded {
                    ", expanded"
                } else {
                    ", collapsed"
                }
            ),
            lines,
        });
        if g.expanded {
            let mut py = y + head;
            for &pi in &g.pods {
                let lines = pod_lines(&s.pods[pi]);
                let pr = Rect {
                    x: x + NODE_PAD,
                    y: py,
                    w: POD_W,
                    h: box_height(&lines),
                };
                pod_boxes.insert(pi, l.boxes.len());
                l.boxes.push(BoxItem {
                    item: Item::Pod(pi),
                    rect: pr,
                    badge: Some(pod_badge(&s.pods[pi])),
                    label: pod_label(&s.pods[pi]),
                    lines,
                });
                py = pr.bottom() + GAP_Y / 2;
            }
            r.h = py - y + NODE_PAD / 2;
            l.boxes[gb].rect = r;
        }
        y = r.bottom() + GAP_Y;
    }
    y
}

/// The pods of one namespace and controller that the same Services
/// select, in the order of their first pod.
fn group_pods(s: &Snapshot, expanded: &BTreeSet<String>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, p) in s.pods.iter().enumerate() {
        let services: Vec<String> = p.services.iter().map(|k| k.name.clone()).collect();
        let id = format!(
            "{}|{}|{}",
            p.key.namespace,
            p.controlled_by.as_deref().unwrap_or(""),
            services.join(",")
        );
        let gi = *index.entry(id.clone()).or_insert_with(|| {
            let name = match (&p.controlled_by, services.first()) {
                (Some(c), _) => c.rsplit('/').next().unwrap_or(c).to_string(),
                (None, Some(svc)) => format!("pods of {svc}"),
                (None, None) => "pods no Service selects".to_string(),
            };
            groups.push(Group {
                expanded: expanded.contains(&id),
                id,
                namespace: p.key.namespace.clone(),
                name,
                pods: Vec::new(),
                ready: 0,
                nodes: Vec::new(),
            });
            groups.len() - 1
        });
        let g = &mut groups[gi];
        g.pods.push(i);
        g.ready += usize::from(p.ready);
        if let Some(n) = &p.node {
            if !g.nodes.contains(n) {
                g.nodes.push(n.clone());
            }
        }
    }
    for g in &mut groups {
        svcscope::order::sort(&mut g.nodes);
    }
    groups
}

fn line(text: &str, style: LineStyle) -> Line {
    Line {
        text: text.to_string(),
        full: None,
        style,
    }
}

/// A line cut to a box's width, the whole text kept for its tooltip.
fn fit(text: &str, width: i32, style: LineStyle) -> Line {
    let max = (f64::from(width - 2 * BOX_PAD) / CHAR_W).floor().max(4.0) as usize;
    let n = text.chars().count();
    if n <= max {
        return line(text, style);
    }
    let cut: String = text.chars().take(max - 1).collect();
    Line {
        text: format!("{cut}…"),
        full: Some(text.to_string()),
        style,
    }
}

fn box_height(lines: &[Line]) -> i32 {
    let titles = lines.iter().filter(|l| l.style == LineStyle::Title).count() as i32;
    let others = lines.len() as i32 - titles;
    2 * BOX_PAD + titles * TITLE_H + others * LINE_H
}

fn service_badge(s: &ServiceView) -> String {
    if s.headless {
        "headless".into()
    } else {
        s.type_.clone()
    }
}

fn service_lines(s: &ServiceView) -> Vec<Line> {
    let w = SERVICE_W;
    let mut lines = vec![
        fit(&s.key.name, w - 70, LineStyle::Title),
        fit(
            &format!("namespace {}", s.key.namespace),
            w,
            LineStyle::Muted,
        ),
    ];
    if let Some(n) = &s.external_name {
        lines.push(fit(&format!("CNAME → {n}"), w, LineStyle::Mono));
    } else if s.headless {
        lines.push(line("no cluster IP: DNS names the pods", LineStyle::Muted));
    } else if s.cluster_ips.is_empty() {
        lines.push(line("no cluster IP allocated", LineStyle::Warning));
    } else {
        for ip in &s.cluster_ips {
            lines.push(fit(ip, w, LineStyle::Mono));
        }
    }
    for p in &s.ports {
        let name = if p.name.is_empty() {
            String::new()
        } else {
            format!("{} ", p.name)
        };
        let node = p
            .node_port
            .map(|n| format!(" · node {n}"))
            .unwrap_or_default();
        lines.push(fit(
            &format!("{name}{}/{} → {}{node}", p.port, p.protocol, p.target),
            w,
            LineStyle::Mono,
        ));
    }
    match &s.selector {
        Some(sel) => lines.push(fit(&format!("selector {sel}"), w, LineStyle::Plain)),
        None if s.external_name.is_none() => {
            lines.push(line("no selector: endpoints by hand", LineStyle::Muted))
        }
        None => {}
    }
    for b in &s.badges {
        lines.push(fit(b, w, LineStyle::Muted));
    }
    if s.rejected {
        lines.push(line("the apiserver would refuse it", LineStyle::Warning));
    }
    lines
}

fn service_label(s: &ServiceView) -> String {
    let ips = if s.cluster_ips.is_empty() {
        String::new()
    } else {
        format!(", cluster IP {}", s.cluster_ips.join(" and "))
    };
    format!(
        "Service {} ({}{ips}), selects {} pod(s)",
        s.key,
        service_badge(s),
        s.selected.len()
    )
}

/// How traffic gets into the Service from outside the cluster.
fn entry_lines(s: &ServiceView) -> Vec<Line> {
    let mut lines = Vec::new();
    for ip in &s.ingress {
        for p in &s.ports {
            lines.push(fit(
                &format!("LB {ip}:{}", p.port),
                ENTRY_W,
                LineStyle::Mono,
            ));
        }
    }
    for ip in &s.external_ips {
        for p in &s.ports {
            lines.push(fit(
                &format!("external {ip}:{}", p.port),
                ENTRY_W,
                LineStyle::Mono,
            ));
        }
    }
    for p in &s.ports {
        if let Some(n) = p.node_port {
            lines.push(fit(&format!("every node :{n}"), ENTRY_W, LineStyle::Mono));
        }
    }
    if !lines.is_empty() {
        lines.insert(0, line("from outside", LineStyle::Muted));
    }
    lines
}

fn slice_lines(sl: &SliceView) -> Vec<Line> {
    let ready = sl.endpoints.iter().filter(|e| e.ready).count();
    let not_ready = sl.endpoints.len() - ready;
    let ports: Vec<String> = sl
        .ports
        .iter()
        .map(|p| {
            let port = p.port.map_or("all".to_string(), |n| n.to_string());
            if p.name.is_empty() {
                format!("{port}/{}", p.protocol)
            } else {
                format!("{} {port}/{}", p.name, p.protocol)
            }
        })
        .collect();
    let mut lines = vec![
        fit(&sl.name, SLICE_W - 50, LineStyle::Title),
        fit(
            &if ports.is_empty() {
                "no ports".to_string()
            } else {
                ports.join(", ")
            },
            SLICE_W,
            LineStyle::Mono,
        ),
    ];
    lines.push(fit(
        &if not_ready > 0 {
            format!("{ready} ready, {not_ready} not ready")
        } else {
            format!("{ready} ready")
        },
        SLICE_W,
        if ready == 0 {
            LineStyle::Warning
        } else {
            LineStyle::Plain
        },
    ));
    lines
}

/// `port → slice port` for each Service port the slice carries.
fn port_mapping(svc: &ServiceView, sl: &SliceView) -> Option<String> {
    let parts: Vec<String> = svc
        .ports
        .iter()
        .filter_map(|p| {
            sl.ports
                .iter()
                .find(|sp| sp.name == p.name && sp.protocol == p.protocol)
                .and_then(|sp| sp.port)
                .map(|to| format!("{} → {to}", p.port))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn slice_port_label(sl: &SliceView) -> Option<String> {
    let ports: Vec<String> = sl
        .ports
        .iter()
        .filter_map(|p| p.port)
        .map(|p| format!(":{p}"))
        .collect();
    (!ports.is_empty()).then(|| ports.join(" "))
}

fn pod_badge(p: &PodView) -> String {
    if p.status == "Running" && p.ready {
        "Ready".into()
    } else if p.status == "Running" {
        "not ready".into()
    } else {
        p.status.clone()
    }
}

fn pod_lines(p: &PodView) -> Vec<Line> {
    let w = POD_W;
    let mut lines = vec![fit(&p.key.name, w - 74, LineStyle::Title)];
    let ip = if p.ips.is_empty() {
        "no IP".to_string()
    } else {
        p.ips.join(", ")
    };
    lines.push(fit(
        &format!("{ip} · {}", p.ready_containers),
        w,
        LineStyle::Mono,
    ));
    let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    lines.push(fit(
        &if labels.is_empty() {
            "no labels".to_string()
        } else {
            labels.join(" ")
        },
        w,
        LineStyle::Plain,
    ));
    let ports: Vec<&str> = p
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().map(String::as_str))
        .collect();
    if !ports.is_empty() {
        lines.push(fit(&ports.join(", "), w, LineStyle::Muted));
    }
    lines
}

fn pod_label(p: &PodView) -> String {
    format!(
        "Pod {} ({}, {}{}){}",
        p.key,
        pod_badge(p),
        p.ips.first().map_or("no IP", String::as_str),
        p.node
            .as_deref()
            .map(|n| format!(", on {n}"))
            .unwrap_or_default(),
        match p.services.len() {
            0 => String::new(),
            n => format!(", selected by {n} Service(s)"),
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery;
    use crate::session::Session;

    fn snapshot(id: &str) -> Snapshot {
        let e = gallery::find(id).unwrap();
        Session::new(e.service_cidr)
            .unwrap()
            .load(&e.text())
            .snapshot
            .unwrap()
    }

    fn boxes<'a>(
        l: &'a Layout,
        f: impl Fn(&Item) -> bool + 'a,
    ) -> impl Iterator<Item = &'a BoxItem> {
        l.boxes.iter().filter(move |b| f(&b.item))
    }

    #[test]
    fn the_same_cluster_gives_the_same_picture() {
        for e in gallery::EXAMPLES {
            let s = snapshot(e.id);
            assert_eq!(
                Layout::new(&s, &BTreeSet::new()),
                Layout::new(&s, &BTreeSet::new()),
                "{}",
                e.id
            );
        }
    }

    #[test]
    fn boxes_of_a_column_never_overlap_and_stay_inside() {
        for e in gallery::EXAMPLES {
            let l = Layout::new(&snapshot(e.id), &BTreeSet::new());
            let mut by_x: BTreeMap<i32, Vec<Rect>> = BTreeMap::new();
            for b in &l.boxes {
                assert!(
                    b.rect.x >= 0 && b.rect.x + b.rect.w <= l.width,
                    "{}: {b:?}",
                    e.id
                );
                assert!(
                    b.rect.y >= 0 && b.rect.bottom() <= l.height,
                    "{}: {b:?}",
                    e.id
                );
                if !matches!(b.item, Item::Node(_) | Item::Heading) {
                    by_x.entry(b.rect.x).or_default().push(b.rect);
                }
            }
            for rects in by_x.values_mut() {
                rects.sort_by_key(|r| r.y);
                for w in rects.windows(2) {
                    assert!(
                        w[0].bottom() <= w[1].y,
                        "{}: {:?} overlaps {:?}",
                        e.id,
                        w[0],
                        w[1]
                    );
                }
            }
        }
    }

    #[test]
    fn every_endpoint_has_an_edge_to_its_pod() {
        let s = snapshot("my-service");
        let l = Layout::new(&s, &BTreeSet::new());
        let svc = s.service(&NsName::new("my-ns", "my-service")).unwrap();
        let to_pods: BTreeSet<&str> = l
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::SliceEndpoint)
            .filter_map(|e| e.pod.map(|p| s.pods[p].key.name.as_str()))
            .collect();
        let selected: BTreeSet<&str> = svc.selected.iter().map(String::as_str).collect();
        assert_eq!(to_pods, selected);
        // The not-ready pod's edge is drawn as not ready.
        let myapp3 = s.pods.iter().position(|p| p.key.name == "myapp-3").unwrap();
        assert!(l.edges.iter().any(|e| e.pod == Some(myapp3) && !e.ready));
        // The port mapping is on the Service's edge: 80 → 9376.
        assert!(l
            .edges
            .iter()
            .any(|e| e.kind == EdgeKind::ServiceSlice && e.label.as_deref() == Some("80 → 9376")));
    }

    #[test]
    fn pods_are_framed_by_their_nodes() {
        let s = snapshot("my-service");
        let l = Layout::new(&s, &BTreeSet::new());
        assert_eq!(l.nodes, ["node-a", "node-b"]);
        for (pi, p) in s.pods.iter().enumerate() {
            let pod = l.find(&Item::Pod(pi)).unwrap().rect;
            let n = l
                .nodes
                .iter()
                .position(|n| Some(n) == p.node.as_ref())
                .unwrap();
            let frame = l.find(&Item::Node(n)).unwrap().rect;
            assert!(
                frame.x < pod.x && frame.y < pod.y && pod.bottom() <= frame.bottom(),
                "{}",
                p.key
            );
        }
        // Frames come first: they are drawn under the pods.
        assert!(matches!(l.boxes[0].item, Item::Node(_)));
    }

    #[test]
    fn entry_points_appear_for_node_ports_and_load_balancers() {
        let l = Layout::new(&snapshot("load-balancer"), &BTreeSet::new());
        assert_eq!(l.columns[0].title, "Entry points");
        let entry = l.find(&Item::Entry(0)).unwrap();
        let texts: Vec<&str> = entry.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            ["from outside", "LB 146.148.47.155:80", "every node :30061"]
        );
        // Without them, no entry column.
        let l = Layout::new(&snapshot("typo"), &BTreeSet::new());
        assert_eq!(l.columns[0].title, "Services");
    }

    #[test]
    fn hand_written_endpoints_are_addresses() {
        let s = snapshot("selectorless");
        let l = Layout::new(&s, &BTreeSet::new());
        let a = l.find(&Item::Addresses).unwrap();
        assert_eq!(a.lines[1].text, "1.2.3.4 (ready)");
        assert!(l
            .edges
            .iter()
            .any(|e| e.kind == EdgeKind::SliceEndpoint && e.to.0 == a.rect.x));
    }

    #[test]
    fn the_external_name_and_headless_services_say_so() {
        let l = Layout::new(&snapshot("external-name"), &BTreeSet::new());
        let b = l.find(&Item::Service(0)).unwrap();
        assert!(b
            .lines
            .iter()
            .any(|l| l.text == "CNAME → my.database.example.com"));
        let l = Layout::new(&snapshot("headless"), &BTreeSet::new());
        assert_eq!(
            l.find(&Item::Service(0)).unwrap().badge.as_deref(),
            Some("headless")
        );
    }

    #[test]
    fn long_text_is_cut_and_kept_whole_for_the_tooltip() {
        let l = fit(&"x".repeat(200), POD_W, LineStyle::Plain);
        assert!(l.text.ends_with('…'));
        assert!(l.text.chars().count() < 40);
        assert_eq!(l.full.as_deref(), Some("x".repeat(200).as_str()));
        assert_eq!(fit("short", POD_W, LineStyle::Plain).full, None);
    }

    #[test]
    fn a_large_cluster_collapses_into_groups_beside_their_services() {
        let s = snapshot("scale");
        let l = Layout::new(&s, &BTreeSet::new());
        assert!(l.grouped);
        // One group per Service (5 pods each), no pod drawn alone.
        assert_eq!(l.groups.len(), 100);
        assert!(l.groups.iter().all(|g| g.pods.len() == 5));
        assert_eq!(boxes(&l, |i| matches!(i, Item::Pod(_))).count(), 0);
        // Each group sits in its Service's band.
        for (gi, g) in l.groups.iter().enumerate() {
            let svc = &s.pods[g.pods[0]].services[0];
            let si = s.services.iter().position(|x| &x.key == svc).unwrap();
            let sb = l.find(&Item::Service(si)).unwrap().rect;
            let gb = l.find(&Item::Group(gi)).unwrap().rect;
            assert_eq!(gb.y, sb.y, "{}", g.id);
        }
        // Edges: one per slice to its group, counted.
        let to_groups: Vec<&Edge> = l.edges.iter().filter(|e| e.group.is_some()).collect();
        assert_eq!(to_groups.len(), 100);
        assert!(
            to_groups[0].label.as_deref().unwrap().ends_with("×5"),
            "{:?}",
            to_groups[0].label
        );
        // Expanded, a group draws its pods and their edges.
        let id = l.groups[3].id.clone();
        let l = Layout::new(&s, &BTreeSet::from([id]));
        assert_eq!(boxes(&l, |i| matches!(i, Item::Pod(_))).count(), 5);
        assert_eq!(l.edges.iter().filter(|e| e.pod.is_some()).count(), 5);
    }
}

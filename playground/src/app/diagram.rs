//! The cluster diagram: the layout drawn as SVG, the selection's
//! highlight on it, zoom (buttons, Ctrl + wheel) and pan (scrolling,
//! dragging). Services, pods and pod groups are buttons: Tab reaches
//! them, Enter or Space selects, each has an accessible name.

use super::{on_activate, select_or_clear, Ptr};
use crate::highlight::{Highlight, Mark};
use crate::layout::{Edge, EdgeKind, Item, Layout, LineStyle};
use crate::snapshot::Snapshot;
use crate::state::{Action, Detail, State, Target};
use yew::prelude::*;

const TITLE_H: i32 = 22;
const LINE_H: i32 = 16;
const PAD: i32 = 8;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub snapshot: Ptr<Snapshot>,
    pub layout: Ptr<Layout>,
    pub selected: Option<Target>,
    pub detail: Option<Ptr<Result<Detail, String>>>,
    pub zoom: f64,
    pub has_errors: bool,
    /// A new text (example, link) is fitted to the pane.
    pub text_revision: u64,
    pub dispatch: UseReducerDispatcher<State>,
}

/// A drag in progress: where it started and the scroll position then.
#[derive(Clone, Copy)]
struct Drag {
    x: i32,
    y: i32,
    left: i32,
    top: i32,
    moved: bool,
}

#[function_component]
pub fn Diagram(props: &DiagramProps) -> Html {
    let scroller = use_node_ref();
    let drag = use_mut_ref(|| None::<Drag>);
    let l = &*props.layout;
    let s = &*props.snapshot;

    let fit = {
        let scroller = scroller.clone();
        let dispatch = props.dispatch.clone();
        let width = l.width;
        move || {
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                let avail = f64::from(el.client_width() - 24);
                if width > 0 && avail > 0.0 {
                    dispatch.dispatch(Action::SetZoom((avail / f64::from(width)).min(1.0)));
                }
            }
        }
    };
    {
        let fit = fit.clone();
        use_effect_with(props.text_revision, move |_| fit());
    }

    let service_detail = match props.detail.as_deref() {
        Some(Ok(Detail::Service(d))) => Some(d),
        _ => None,
    };
    let h = Highlight::new(s, l, props.selected.as_ref(), service_detail);
    let z = props.zoom;
    let zoom_by = |f: f64| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::SetZoom(z * f)))
    };
    let on_fit = {
        let fit = fit.clone();
        Callback::from(move |_: MouseEvent| fit())
    };
    let on_wheel = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: WheelEvent| {
            if e.ctrl_key() || e.meta_key() {
                e.prevent_default();
                let f = if e.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
                dispatch.dispatch(Action::SetZoom(z * f));
            }
        })
    };
    let on_pointer_down = {
        let scroller = scroller.clone();
        let drag = drag.clone();
        Callback::from(move |e: PointerEvent| {
            // Only the background pans; boxes are buttons.
            let on_box = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|t| t.closest(".box").ok().flatten())
                .is_some();
            if e.button() != 0 || on_box {
                return;
            }
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
                *drag.borrow_mut() = Some(Drag {
                    x: e.client_x(),
                    y: e.client_y(),
                    left: el.scroll_left(),
                    top: el.scroll_top(),
                    moved: false,
                });
            }
        })
    };
    let on_pointer_move = {
        let scroller = scroller.clone();
        let drag = drag.clone();
        Callback::from(move |e: PointerEvent| {
            let current = *drag.borrow();
            if let (Some(mut d), Some(el)) = (current, scroller.cast::<web_sys::Element>()) {
                let (dx, dy) = (e.client_x() - d.x, e.client_y() - d.y);
                d.moved |= dx.abs() + dy.abs() > 3;
                *drag.borrow_mut() = Some(d);
                el.set_scroll_left(d.left - dx);
                el.set_scroll_top(d.top - dy);
            }
        })
    };
    let on_pointer_up = {
        let drag = drag.clone();
        let dispatch = props.dispatch.clone();
        Callback::from(move |_: PointerEvent| {
            // A click on the background (not a drag) clears the selection.
            let done = drag.borrow_mut().take();
            if let Some(d) = done {
                if !d.moved {
                    dispatch.dispatch(Action::ClearSelection);
                }
            }
        })
    };

    let boxes = |frames: bool| {
        l.boxes
            .iter()
            .zip(&h.boxes)
            .enumerate()
            .filter(move |(_, (b, _))| matches!(b.item, Item::Node(_) | Item::Heading) == frames)
            .map(|(i, (b, m))| {
                let missed = match b.item {
                    Item::Pod(p) => h.why_not.get(&p).cloned(),
                    _ => None,
                };
                draw_box(i, b, *m, missed, s, props)
            })
    };
    let width = (f64::from(l.width) * z).round();
    let height = (f64::from(l.height) * z).round();
    let summary = format!(
        "Cluster diagram: {} Service(s), {} EndpointSlice(s), {} pod(s) on {} node(s)",
        s.services.len(),
        s.slices.len(),
        s.pods.len(),
        s.nodes.len()
    );
    html! {
        <div class="diagram-pane">
            <div class="toolbar" role="toolbar" aria-label="Diagram">
                <h2>{ "Cluster" }</h2>
                if props.has_errors {
                    <span class="stale" data-testid="stale">{ "The text has errors: showing the last cluster without them" }</span>
                }
                <span class="spacer"></span>
                if l.grouped {
                    <span class="hint">{ "Pods are grouped; a group expands" }</span>
                }
                <button onclick={zoom_by(1.0 / 1.25)} aria-label="Zoom out" title="Zoom out">{ "−" }</button>
                <span class="zoom" aria-live="polite">{ format!("{:.0} %", z * 100.0) }</span>
                <button onclick={zoom_by(1.25)} aria-label="Zoom in" title="Zoom in">{ "+" }</button>
                <button onclick={on_fit} title="Fit the width">{ "Fit" }</button>
            </div>
            <div class="diagram" ref={scroller} onwheel={on_wheel}
                 onpointerdown={on_pointer_down} onpointermove={on_pointer_move}
                 onpointerup={on_pointer_up.clone()} onpointercancel={on_pointer_up}>
                if s.services.is_empty() && s.pods.is_empty() {
                    <p class="empty">{ "No Services or pods yet: write some manifests, or pick an example." }</p>
                }
                <svg xmlns="http://www.w3.org/2000/svg" width={width.to_string()} height={height.to_string()}
                     viewBox={format!("0 0 {} {}", l.width, l.height)} role="group" aria-label={summary}
                     data-testid="diagram" class={classes!(props.selected.is_some().then_some("has-selection"))}>
                    <defs>
                        <marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path class="arrowhead" d="M0,0 L8,4 L0,8 z" />
                        </marker>
                    </defs>
                    { for l.columns.iter().map(|c| html! {
                        <text class="column-title" x={c.x.to_string()} y="20">{ c.title }</text>
                    }) }
                    // Node frames under the edges, the edges under the boxes.
                    { for boxes(true) }
                    <g class="edges" aria-hidden="true">
                        { for l.edges.iter().zip(&h.edges).map(|(e, m)| edge(e, *m)) }
                    </g>
                    { for boxes(false) }
                </svg>
            </div>
        </div>
    }
}

fn edge(e: &Edge, m: Mark) -> Html {
    let (x1, y1) = e.from;
    let (x2, y2) = e.to;
    let dx = ((x2 - x1) / 2).max(20);
    let d = format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + dx, x2 - dx);
    let kind = match e.kind {
        EdgeKind::Entry => "entry",
        EdgeKind::ServiceSlice => "to-slice",
        EdgeKind::SliceEndpoint => "to-endpoint",
    };
    let label = e.label.as_ref().map(|t| {
        // Service edges are labelled midway, endpoint edges near the pod.
        let (lx, ly, anchor) = match e.kind {
            EdgeKind::SliceEndpoint => (x2 - 6, y2 - 4, "end"),
            _ => ((x1 + x2) / 2, (y1 + y2) / 2 - 5, "middle"),
        };
        html! { <text class="edge-label" x={lx.to_string()} y={ly.to_string()} text-anchor={anchor}>{ t.clone() }</text> }
    });
    html! {
        <g class={classes!("edge", kind, m.class(), (!e.ready).then_some("not-ready"))}>
            <path d={d} marker-end="url(#arrow)" />
            { for label }
        </g>
    }
}

fn draw_box(
    i: usize,
    b: &crate::layout::BoxItem,
    m: Mark,
    missed: Option<String>,
    s: &Snapshot,
    props: &DiagramProps,
) -> Html {
    let r = b.rect;
    let (kind, target, extra) = match &b.item {
        Item::Service(si) => {
            let svc = &s.services[*si];
            (
                "service",
                Some(Target::Service(svc.key.clone())),
                svc.rejected.then_some("rejected"),
            )
        }
        Item::Pod(pi) => {
            let p = &s.pods[*pi];
            let state = if p.status == "Terminating" {
                Some("terminating")
            } else if !p.ready {
                Some("not-ready")
            } else {
                None
            };
            ("pod", Some(Target::Pod(p.key.clone())), state)
        }
        Item::Slice(_) => ("slice", None, None),
        Item::Entry(_) => ("entry", None, None),
        Item::Group(_) => ("group", None, None),
        Item::Node(_) => ("node", None, None),
        Item::Heading => ("heading", None, None),
        Item::Addresses => ("addresses", None, None),
    };
    let transform = format!("translate({},{})", r.x, r.y);
    let lines = text_lines(b, matches!(b.item, Item::Node(_) | Item::Heading));
    let badge = b.badge.as_ref().map(|t| {
        let w = (t.chars().count() as i32) * 6 + 12;
        html! {
            <g class="badge" transform={format!("translate({},{})", r.w - w - 6, 7)}>
                <rect width={w.to_string()} height="16" rx="8" />
                <text x={(w / 2).to_string()} y="12" text-anchor="middle">{ t.clone() }</text>
            </g>
        }
    });
    let why = missed.is_some().then(|| {
        html! {
            <g class="why-not" transform={format!("translate({},{})", r.w - 18, r.h - 18)}>
                <circle cx="8" cy="8" r="8" />
                <text x="8" y="12" text-anchor="middle">{ "✕" }</text>
            </g>
        }
    });
    let frame = matches!(b.item, Item::Node(_));
    let heading = matches!(b.item, Item::Heading);
    let body = html! {
        <>
            if !heading {
                <rect class="frame" width={r.w.to_string()} height={r.h.to_string()} rx={if frame { "10" } else { "7" }} />
            }
            { lines }
            { for badge }
            { for why }
        </>
    };
    let mut title = b.label.clone();
    if let Some(reason) = &missed {
        title.push_str(&format!(" — not selected: {reason}"));
    }
    let cut: Vec<String> = b.lines.iter().filter_map(|l| l.full.clone()).collect();
    let tooltip = if cut.is_empty() {
        title.clone()
    } else {
        format!("{title}\n{}", cut.join("\n"))
    };
    let class = classes!("box", kind, m.class(), extra);
    match (&b.item, target) {
        (_, Some(t)) => {
            let action = select_or_clear(&props.selected, t);
            let pressed = m == Mark::Selected;
            html! {
                <g class={class} transform={transform} tabindex="0" role="button" aria-pressed={pressed.to_string()}
                   aria-label={title} data-box={i.to_string()}
                   onclick={super::dispatch_action(&props.dispatch, action.clone())}
                   onkeydown={on_activate(&props.dispatch, action)}>
                    <title>{ tooltip }</title>
                    { body }
                </g>
            }
        }
        (Item::Group(gi), None) => {
            let action = Action::ToggleGroup(props.layout.groups[*gi].id.clone());
            html! {
                <g class={class} transform={transform} tabindex="0" role="button"
                   aria-expanded={props.layout.groups[*gi].expanded.to_string()} aria-label={title}
                   onclick={super::dispatch_action(&props.dispatch, action.clone())}
                   onkeydown={on_activate(&props.dispatch, action)}>
                    <title>{ tooltip }</title>
                    { body }
                </g>
            }
        }
        _ => html! {
            <g class={class} transform={transform} role="img" aria-label={title}>
                <title>{ tooltip }</title>
                { body }
            </g>
        },
    }
}

fn text_lines(b: &crate::layout::BoxItem, compact: bool) -> Html {
    let mut y = if compact { 13 } else { PAD };
    let items = b.lines.iter().map(|line| {
        let (class, h) = match line.style {
            LineStyle::Title => ("t-title", TITLE_H),
            LineStyle::Plain => ("t-plain", LINE_H),
            LineStyle::Muted => ("t-muted", LINE_H),
            LineStyle::Mono => ("t-mono", LINE_H),
            LineStyle::Warning => ("t-warning", LINE_H),
        };
        let baseline = if compact { y } else { y + h - 5 };
        y += h;
        html! { <text class={class} x={PAD.to_string()} y={baseline.to_string()}>{ line.text.clone() }</text> }
    });
    html! { <>{ for items }</> }
}

//! The tabs under the diagram: the selection's details (why-not, env,
//! DNS records), the problems of the text, the DNS box, the Endpoints
//! and EndpointSlices as YAML, and kube-proxy's rules for a node.

use super::{dispatch_action, select_or_clear};
use crate::session::{PodDetail, ServiceDetail};
use crate::snapshot::{Level, Problem, Snapshot};
use crate::state::{Action, Detail, State, Tab, Target};
use svcscope::NsName;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PanelsProps {
    pub state: UseReducerHandle<State>,
}

#[function_component]
pub fn Panels(props: &PanelsProps) -> Html {
    let state = &*props.state;
    let dispatch = props.state.dispatcher();
    let (errors, warnings, infos) = state.problem_counts();
    let tab_title = |t: Tab| -> String {
        match t {
            Tab::Inspect => "Inspect".into(),
            Tab::Problems => match errors + warnings + infos {
                0 => "Problems".into(),
                n => format!("Problems ({n})"),
            },
            Tab::Dns => "DNS".into(),
            Tab::Endpoints => "Endpoints".into(),
            Tab::Rules => "kube-proxy rules".into(),
        }
    };
    let body = match state.tab {
        Tab::Inspect => inspect(state, &dispatch),
        Tab::Problems => problems(&state.problems, &dispatch),
        Tab::Dns => html! { <DnsBox state={props.state.clone()} /> },
        Tab::Endpoints => endpoints(state),
        Tab::Rules => html! { <RulesBox state={props.state.clone()} /> },
    };
    html! {
        <div class="panels">
            <div class="tabs" role="tablist" aria-label="Views">
                { for Tab::ALL.into_iter().map(|t| html! {
                    <button role="tab" id={format!("tab-{}", t.id())} aria-selected={(state.tab == t).to_string()}
                            aria-controls="tab-panel" data-testid={format!("tab-{}", t.id())}
                            class={classes!("tab", (state.tab == t).then_some("active"),
                                (t == Tab::Problems && errors > 0).then_some("has-errors"))}
                            onclick={dispatch_action(&dispatch, Action::SetTab(t))}>
                        { tab_title(t) }
                    </button>
                }) }
            </div>
            <div class="tab-body" role="tabpanel" id="tab-panel" aria-labelledby={format!("tab-{}", state.tab.id())}
                 data-testid="tab-panel">
                { body }
            </div>
        </div>
    }
}

fn inspect(state: &State, dispatch: &UseReducerDispatcher<State>) -> Html {
    match state.detail.as_deref() {
        Some(Ok(Detail::Service(d))) => {
            service_detail(d, &state.snapshot, &state.selected, dispatch)
        }
        Some(Ok(Detail::Pod(d))) => pod_detail(d, &state.snapshot, &state.selected, dispatch),
        Some(Err(e)) => html! { <p class="error">{ e.clone() }</p> },
        None => overview(&state.snapshot, &state.selected, dispatch),
    }
}

/// With nothing selected: how to select, and every Service and pod as a
/// button.
fn overview(
    s: &Snapshot,
    selected: &Option<Target>,
    dispatch: &UseReducerDispatcher<State>,
) -> Html {
    html! {
        <div class="overview">
            <p class="hint">{ "Select a Service or a pod in the diagram (click it, or Tab to it and press Enter) to see what it selects and why, its environment and its DNS names. Escape clears." }</p>
            <div class="columns">
                <section>
                    <h3>{ format!("Services ({})", s.services.len()) }</h3>
                    <ul class="chips">
                        { for s.services.iter().map(|svc| html! {
                            <li><button class="chip" onclick={dispatch_action(dispatch, select_or_clear(selected, Target::Service(svc.key.clone())))}>
                                { svc.key.to_string() }
                            </button></li>
                        }) }
                    </ul>
                </section>
                <section>
                    <h3>{ format!("Pods ({})", s.pods.len()) }</h3>
                    <ul class="chips">
                        { for s.pods.iter().take(200).map(|p| html! {
                            <li><button class="chip" onclick={dispatch_action(dispatch, select_or_clear(selected, Target::Pod(p.key.clone())))}>
                                { p.key.to_string() }
                            </button></li>
                        }) }
                        if s.pods.len() > 200 {
                            <li class="muted">{ format!("and {} more (in the diagram)", s.pods.len() - 200) }</li>
                        }
                    </ul>
                </section>
            </div>
        </div>
    }
}

fn reveal_button(line: Option<usize>, dispatch: &UseReducerDispatcher<State>) -> Html {
    match line {
        Some(l) => html! {
            <button class="link" onclick={dispatch_action(dispatch, Action::Reveal(l))}>{ format!("line {l} in the editor") }</button>
        },
        None => html! {},
    }
}

fn pod_button(
    ns: &str,
    name: &str,
    selected: &Option<Target>,
    dispatch: &UseReducerDispatcher<State>,
) -> Html {
    let key = NsName::new(ns, name);
    html! {
        <button class="chip" onclick={dispatch_action(dispatch, select_or_clear(selected, Target::Pod(key)))}>{ name.to_string() }</button>
    }
}

fn service_detail(
    d: &ServiceDetail,
    s: &Snapshot,
    selected: &Option<Target>,
    dispatch: &UseReducerDispatcher<State>,
) -> Html {
    let svc = s.service(&d.service);
    html! {
        <div class="detail" data-testid="service-detail">
            <div class="detail-head">
                <h3>{ format!("Service {}", d.service) }</h3>
                { for svc.map(|v| html! { <span class="badge">{ if v.headless { "headless".to_string() } else { v.type_.clone() } }</span> }) }
                { reveal_button(d.line, dispatch) }
            </div>
            if let Some(v) = svc {
                <dl class="facts">
                    if !v.cluster_ips.is_empty() {
                        <dt>{ "Cluster IP" }</dt><dd class="mono">{ v.cluster_ips.join(", ") }</dd>
                    }
                    if let Some(n) = &v.external_name {
                        <dt>{ "External name" }</dt><dd class="mono">{ n.clone() }</dd>
                    }
                    if !v.ingress.is_empty() {
                        <dt>{ "Load balancer" }</dt><dd class="mono">{ v.ingress.join(", ") }</dd>
                    }
                    if !v.external_ips.is_empty() {
                        <dt>{ "External IPs" }</dt><dd class="mono">{ v.external_ips.join(", ") }</dd>
                    }
                    <dt>{ "Ports" }</dt>
                    <dd class="mono">
                        { for v.ports.iter().map(|p| html! {
                            <div>{ format!("{}{}/{} → targetPort {}{}",
                                if p.name.is_empty() { String::new() } else { format!("{}: ", p.name) },
                                p.port, p.protocol, p.target,
                                p.node_port.map(|n| format!(", nodePort {n}")).unwrap_or_default()) }</div>
                        }) }
                    </dd>
                    { for v.badges.iter().map(|b| html! { <><dt>{ "Setting" }</dt><dd class="mono">{ b.clone() }</dd></> }) }
                </dl>
            }
            <p>
                { "Selector: " }
                <code>{ d.selector.clone().unwrap_or_else(|| "none (its endpoints are written by hand)".into()) }</code>
            </p>
            <h4>{ format!("Selects {} pod(s)", d.selected.len()) }</h4>
            if d.selected.is_empty() {
                <p class="muted">{ "No pod of its namespace." }</p>
            } else {
                <ul class="chips" data-testid="selected-pods">
                    { for d.selected.iter().map(|p| html! { <li>{ pod_button(&d.service.namespace, p, selected, dispatch) }</li> }) }
                </ul>
            }
            if !d.not_selected.is_empty() {
                <h4>{ "Not selected, and why" }</h4>
                <ul class="why-not-list" data-testid="why-not">
                    { for d.not_selected.iter().map(|(req, reason, pods)| html! {
                        <li>
                            <div><code>{ req.clone() }</code>{ " — " }{ reason.clone() }</div>
                            <ul class="chips">
                                { for pods.iter().map(|p| html! { <li>{ pod_button(&d.service.namespace, p, selected, dispatch) }</li> }) }
                            </ul>
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}

fn pod_detail(
    d: &PodDetail,
    s: &Snapshot,
    selected: &Option<Target>,
    dispatch: &UseReducerDispatcher<State>,
) -> Html {
    let Some(p) = s.pod(&d.pod) else {
        return html! {};
    };
    html! {
        <div class="detail" data-testid="pod-detail">
            <div class="detail-head">
                <h3>{ format!("Pod {}", d.pod) }</h3>
                <span class="badge">{ format!("{} · {}", p.status, p.ready_containers) }</span>
                { reveal_button(d.line, dispatch) }
            </div>
            <dl class="facts">
                <dt>{ "IP" }</dt><dd class="mono">{ if p.ips.is_empty() { "none".to_string() } else { p.ips.join(", ") } }</dd>
                <dt>{ "Node" }</dt><dd class="mono">{ p.node.clone().unwrap_or_else(|| "not scheduled".into()) }</dd>
                if let Some(c) = &p.controlled_by {
                    <dt>{ "Controlled by" }</dt><dd class="mono">{ c.clone() }</dd>
                }
                <dt>{ "Labels" }</dt>
                <dd>
                    if p.labels.is_empty() { <span class="muted">{ "none" }</span> }
                    <ul class="chips labels">
                        { for p.labels.iter().map(|(k, v)| html! { <li class="label-chip mono">{ format!("{k}={v}") }</li> }) }
                    </ul>
                </dd>
                if !p.annotations.is_empty() {
                    <dt>{ "Annotations" }</dt>
                    <dd>
                        <ul class="plain mono">
                            { for p.annotations.iter().map(|(k, v)| html! { <li>{ format!("{k}: {v}") }</li> }) }
                        </ul>
                    </dd>
                }
            </dl>
            <h4>{ format!("Selected by {} Service(s)", p.services.len()) }</h4>
            if p.services.is_empty() {
                <p class="muted">{ "No Service selects it." }</p>
            } else {
                <ul class="chips" data-testid="selected-by">
                    { for p.services.iter().map(|k| html! {
                        <li><button class="chip" onclick={dispatch_action(dispatch, select_or_clear(selected, Target::Service(k.clone())))}>{ k.to_string() }</button></li>
                    }) }
                </ul>
            }
            { for d.containers.iter().map(|c| html! {
                <section class="env" data-testid="env">
                    <h4>{ format!("Environment of container {}", c.container) }</h4>
                    if c.variables.is_empty() {
                        <p class="muted">{ "No variables." }</p>
                    } else {
                        <table class="env-table">
                            <thead><tr><th>{ "Variable" }</th><th>{ "Value" }</th><th>{ "From" }</th></tr></thead>
                            <tbody>
                                { for c.variables.iter().map(|(n, v, from)| html! {
                                    <tr><td class="mono">{ n.clone() }</td><td class="mono">{ v.clone() }</td><td>{ from.clone() }</td></tr>
                                }) }
                            </tbody>
                        </table>
                    }
                    if !c.left_out.is_empty() {
                        <p class="muted">{ "Left out:" }</p>
                        <ul class="plain">
                            { for c.left_out.iter().map(|(svc, why)| html! { <li><span class="mono">{ svc.clone() }</span>{ " — " }{ why.clone() }</li> }) }
                        </ul>
                    }
                    { for c.notes.iter().map(|n| html! { <p class="note">{ n.clone() }</p> }) }
                </section>
            }) }
            <h4>{ "DNS records" }</h4>
            if d.records.is_empty() {
                <p class="muted">{ "The cluster zone has no record naming it (only headless Services' endpoints, or pod records, do)." }</p>
            } else {
                <pre class="output" data-testid="pod-records">{ d.records.join("\n") }</pre>
            }
        </div>
    }
}

fn problems(list: &[Problem], dispatch: &UseReducerDispatcher<State>) -> Html {
    if list.is_empty() {
        return html! { <p class="ok" data-testid="no-problems">{ "No problems: the apiserver accepts everything and explain finds nothing." }</p> };
    }
    html! {
        <ul class="problems" data-testid="problems">
            { for list.iter().map(|p| {
                let on_go = p.line.map(|l| {
                    let dispatch = dispatch.clone();
                    let target = p.object.as_ref().and_then(|o| match o.kind.as_str() {
                        "Service" => Some(Target::Service(o.key.clone())),
                        "Pod" => Some(Target::Pod(o.key.clone())),
                        _ => None,
                    });
                    Callback::from(move |_: MouseEvent| {
                        if let Some(t) = target.clone() {
                            dispatch.dispatch(Action::Select(t));
                            dispatch.dispatch(Action::SetTab(Tab::Problems));
                        }
                        dispatch.dispatch(Action::Reveal(l));
                    })
                });
                html! {
                    <li class={classes!("problem", p.severity.as_str())}>
                        <div class="problem-head">
                            <span class={classes!("sev", p.severity.as_str())}>{ match p.severity { Level::Error => "error", Level::Warning => "warning", Level::Info => "info" } }</span>
                            <code class="code">{ p.code.clone() }</code>
                            if let Some(on_go) = on_go {
                                <button class="link" onclick={on_go}>
                                    { match p.column { Some(c) => format!("line {}:{c}", p.line.unwrap_or(0)), None => format!("line {}", p.line.unwrap_or(0)) } }
                                </button>
                            }
                        </div>
                        <p class="message">{ p.message.clone() }</p>
                        { for p.details.iter().map(|d| html! { <p class="detail-line">{ d.clone() }</p> }) }
                        if let Some(f) = &p.fix {
                            <p class="fix"><strong>{ "fix: " }</strong>{ f.clone() }</p>
                        }
                    </li>
                }
            }) }
        </ul>
    }
}

fn endpoints(state: &State) -> Html {
    let heading = match &state.selected {
        Some(Target::Service(k)) => format!("Endpoints and EndpointSlices of Service {k}"),
        _ => {
            "Every Endpoints and EndpointSlice the controllers write (select a Service for its own)"
                .to_string()
        }
    };
    html! {
        <div>
            <h3>{ heading }</h3>
            { match state.endpoints_yaml.as_deref() {
                Some(Ok(y)) if y.is_empty() => html! { <p class="muted">{ "None: an ExternalName Service has no endpoints." }</p> },
                Some(Ok(y)) => html! { <pre class="output" data-testid="endpoints-yaml">{ y.clone() }</pre> },
                Some(Err(e)) => html! { <p class="error">{ e.clone() }</p> },
                None => html! {},
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct AskProps {
    pub state: UseReducerHandle<State>,
}

const QTYPES: &[&str] = &[
    "A", "AAAA", "SRV", "PTR", "CNAME", "TXT", "SOA", "NS", "ANY",
];

/// Ask the cluster DNS a name, as a pod would (its search path) or
/// directly.
#[function_component]
fn DnsBox(props: &AskProps) -> Html {
    let state = &*props.state;
    let dispatch = props.state.dispatcher();
    let name = use_node_ref();
    let qtype = use_node_ref();
    let from = use_node_ref();
    let on_submit = {
        let (name, qtype, from) = (name.clone(), qtype.clone(), from.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value())
                    .or_else(|| r.cast::<web_sys::HtmlSelectElement>().map(|s| s.value()))
                    .unwrap_or_default()
            };
            let from = value(&from);
            dispatch.dispatch(Action::AskDns {
                name: value(&name),
                qtype: value(&qtype),
                from: NsName::parse(&from).filter(|_| !from.is_empty()),
            });
        })
    };
    let asked = state.dns.as_ref();
    // Ask as the selected pod by default, else the first.
    let default_from = asked
        .map(|a| a.from.clone())
        .unwrap_or_else(|| match &state.selected {
            Some(Target::Pod(p)) => Some(p.clone()),
            _ => state.snapshot.pods.first().map(|p| p.key.clone()),
        });
    let default_name = asked.map(|a| a.name.clone()).unwrap_or_else(|| {
        state
            .snapshot
            .services
            .iter()
            .find(|s| Some(&s.key.namespace) == default_from.as_ref().map(|f| &f.namespace))
            .or(state.snapshot.services.first())
            .map(|s| s.key.name.clone())
            .unwrap_or_else(|| "kubernetes.default".into())
    });
    let default_type = asked.map_or("A", |a| a.qtype.as_str());
    html! {
        <div class="ask">
            <form class="ask-form" onsubmit={on_submit} data-testid="dns-form">
                <label class="field grow">
                    <span>{ "Name" }</span>
                    <input ref={name} value={default_name} spellcheck="false" autocomplete="off" data-testid="dns-name" />
                </label>
                <label class="field">
                    <span>{ "Type" }</span>
                    <select ref={qtype} data-testid="dns-type">
                        { for QTYPES.iter().map(|t| html! { <option value={*t} selected={*t == default_type}>{ *t }</option> }) }
                    </select>
                </label>
                <label class="field">
                    <span>{ "Asked by" }</span>
                    <select ref={from} data-testid="dns-from">
                        <option value="" selected={default_from.is_none()}>{ "the cluster DNS, directly" }</option>
                        { for state.snapshot.pods.iter().map(|p| html! {
                            <option value={p.key.to_string()} selected={default_from.as_ref() == Some(&p.key)}>{ format!("pod {}", p.key) }</option>
                        }) }
                    </select>
                </label>
                <button type="submit" class="primary">{ "Ask" }</button>
            </form>
            { match asked.map(|a| &a.answer) {
                Some(Ok(v)) => html! {
                    <>
                        if let Some(r) = &v.resolver {
                            <p class="muted mono">{ format!("resolv.conf: {r}") }</p>
                        }
                        <pre class="output" data-testid="dns-answer">{ v.text.clone() }</pre>
                        { for v.notes.iter().map(|n| html! { <p class="note">{ n.clone() }</p> }) }
                    </>
                },
                Some(Err(e)) => html! { <p class="error" data-testid="dns-error">{ e.clone() }</p> },
                None => html! { <p class="hint">{ "A pod's resolver tries its search path first: every query is shown with its rcode, then the answer, as dig prints it." }</p> },
            } }
        </div>
    }
}

/// kube-proxy's rules for one node, in one mode.
#[function_component]
fn RulesBox(props: &AskProps) -> Html {
    let state = &*props.state;
    let dispatch = props.state.dispatcher();
    let node = use_node_ref();
    let mode = use_node_ref();
    let on_submit = {
        let (node, mode) = (node.clone(), mode.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let node = node
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let mode = mode
                .cast::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            dispatch.dispatch(Action::ShowRules { node, mode });
        })
    };
    let asked = state.rules.as_ref();
    let default_node = asked
        .map(|r| r.node.clone())
        .or_else(|| match &state.selected {
            Some(Target::Pod(p)) => state.snapshot.pod(p).and_then(|p| p.node.clone()),
            _ => None,
        })
        .or_else(|| state.snapshot.nodes.first().cloned())
        .unwrap_or_else(|| "node-a".into());
    let default_mode = asked.map_or("iptables", |r| r.mode.as_str());
    html! {
        <div class="ask">
            <form class="ask-form" onsubmit={on_submit} data-testid="rules-form">
                <label class="field grow">
                    <span>{ "Node" }</span>
                    <input ref={node} value={default_node} list="known-nodes" spellcheck="false" autocomplete="off" data-testid="rules-node" />
                    <datalist id="known-nodes">
                        { for state.snapshot.nodes.iter().map(|n| html! { <option value={n.clone()} /> }) }
                    </datalist>
                </label>
                <label class="field">
                    <span>{ "Mode" }</span>
                    <select ref={mode} data-testid="rules-mode">
                        { for ["iptables", "ipvs", "nftables"].into_iter().map(|m| html! { <option value={m} selected={m == default_mode}>{ m }</option> }) }
                    </select>
                </label>
                <button type="submit" class="primary">{ "Show rules" }</button>
            </form>
            { match asked.map(|r| &r.result) {
                Some(Ok(v)) => html! {
                    <>
                        { for v.notes.iter().map(|n| html! { <p class="note">{ n.clone() }</p> }) }
                        <pre class="output rules" data-testid="rules-text">{ v.text.clone() }</pre>
                    </>
                },
                Some(Err(e)) => html! { <p class="error">{ e.clone() }</p> },
                None => html! { <p class="hint">{ "What kube-proxy programs on the node: iptables-save of the nat and filter tables, ipvsadm's virtual servers, or nftables' kube-proxy table." }</p> },
            } }
        </div>
    }
}

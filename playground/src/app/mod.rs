//! The browser face: Yew function components over [`State`], one per
//! panel, and the page's own effects (where the text starts from and is
//! kept, the theme, the keyboard, the timings the performance script
//! reads). Built for wasm32 only; everything it draws is computed by the
//! modules above it.

mod diagram;
mod editor;
mod header;
mod panels;

use crate::fragment;
use crate::state::{Action, Start, State, Target, Theme};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// localStorage keys.
const KEY_TEXT: &str = "svcscope.playground.text";
const KEY_CIDR: &str = "svcscope.playground.serviceCidr";
const KEY_EXAMPLE: &str = "svcscope.playground.example";
const KEY_THEME: &str = "svcscope.playground.theme";

/// The debounce of the editor: an edit reloads the cluster this long
/// after the last keystroke.
const EDIT_DELAY_MS: u32 = 150;

/// Mounts the app on `<main id="app">`.
#[wasm_bindgen(start)]
pub fn start() {
    if let Some(root) = document().and_then(|d| d.get_element_by_id("app")) {
        yew::Renderer::<App>::with_root(root).render();
    }
}

impl Reducible for State {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(self.apply(action))
    }
}

/// A shared value compared by identity: the layout and snapshot are
/// rebuilt, never changed in place, so the same pointer is the same
/// content and components skip rendering cheaply.
#[derive(Debug)]
pub struct Ptr<T: ?Sized>(pub Rc<T>);

impl<T: ?Sized> Clone for Ptr<T> {
    fn clone(&self) -> Self {
        Ptr(Rc::clone(&self.0))
    }
}

impl<T: ?Sized> PartialEq for Ptr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: ?Sized> std::ops::Deref for Ptr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Where the page starts: a `#m=` link's text, else the last text of
/// this browser, else the gallery's first example.
fn start_state() -> Start {
    let theme = stored(KEY_THEME)
        .and_then(|t| Theme::from_id(&t))
        .unwrap_or(Theme::System);
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    match fragment::text_from_hash(&hash) {
        Some(Ok(text)) => {
            forget_hash();
            Start {
                text,
                example: None,
                service_cidr: crate::gallery::DEFAULT_SERVICE_CIDR.to_string(),
                theme,
                notice: None,
            }
        }
        Some(Err(e)) => Start::first_example(theme, Some(e.to_string())),
        None => match stored(KEY_TEXT) {
            Some(text) => Start {
                text,
                example: stored(KEY_EXAMPLE).and_then(|id| crate::gallery::find(&id).map(|e| e.id)),
                service_cidr: stored(KEY_CIDR)
                    .unwrap_or_else(|| crate::gallery::DEFAULT_SERVICE_CIDR.to_string()),
                theme,
                notice: None,
            },
            None => Start::first_example(theme, None),
        },
    }
}

/// Drops the `#m=` fragment once its text is open: the link has done
/// its work, and a reload now keeps the edits.
fn forget_hash() {
    let Some(w) = web_sys::window() else { return };
    let path = w.location().pathname().unwrap_or_default();
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

/// Marks the start of an edit's reload (the editor's debounced change).
fn mark_edit() {
    if let Some(p) = performance() {
        p.clear_marks_with_mark_name("svcscope:edit");
        let _ = p.mark("svcscope:edit");
    }
}

#[function_component]
pub fn App() -> Html {
    let state = use_reducer(|| State::new(start_state()));
    let dispatch = state.dispatcher();

    // Keep the text and settings for the next visit.
    {
        let text = state.text.clone();
        let cidr = state.service_cidr.clone();
        let example = state.example;
        use_effect_with((state.revision, state.service_cidr.clone()), move |_| {
            if let Some(s) = storage() {
                let _ = s.set_item(KEY_TEXT, &text);
                let _ = s.set_item(KEY_CIDR, &cidr);
                match example {
                    Some(id) => {
                        let _ = s.set_item(KEY_EXAMPLE, id);
                    }
                    None => {
                        let _ = s.remove_item(KEY_EXAMPLE);
                    }
                }
            }
        });
    }

    // The theme on <html>, so the page's background follows too.
    use_effect_with(state.theme, |theme| {
        if let Some(root) = document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-theme", theme.id());
        }
        if let Some(s) = storage() {
            let _ = s.set_item(KEY_THEME, theme.id());
        }
    });

    // Escape clears the selection, wherever the focus is.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener =
                Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
                    if e.key() == "Escape" {
                        dispatch.dispatch(Action::ClearSelection);
                    }
                });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // A `#m=` link followed while the playground is open (same page, new
    // fragment) opens its text too.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn Fn()>::new(move || {
                let hash = web_sys::window()
                    .and_then(|w| w.location().hash().ok())
                    .unwrap_or_default();
                match fragment::text_from_hash(&hash) {
                    Some(Ok(text)) => {
                        forget_hash();
                        dispatch.dispatch(Action::OpenText(text));
                    }
                    Some(Err(e)) => dispatch.dispatch(Action::Notify(e.to_string())),
                    None => {}
                }
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    listener.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // Timings for scripts/bench/playground.mjs: the first render after
    // load, and every edit's reload and render.
    use_effect_with(state.revision, |revision| {
        if let Some(p) = performance() {
            if *revision == 1 {
                let _ = p.mark("svcscope:first-render");
            } else if p
                .get_entries_by_name_with_entry_type("svcscope:edit", "mark")
                .length()
                > 0
            {
                let _ = p.measure_with_start_mark("svcscope:edit-render", "svcscope:edit");
                p.clear_marks_with_mark_name("svcscope:edit");
            }
        }
    });

    let on_edit = {
        let dispatch = dispatch.clone();
        Callback::from(move |text: String| {
            mark_edit();
            dispatch.dispatch(Action::Edit(text));
        })
    };
    let (errors, warnings, infos) = state.problem_counts();
    html! {
        <div class="app">
            <header::Header
                example={state.example}
                service_cidr={state.service_cidr.clone()}
                theme={state.theme}
                dispatch={dispatch.clone()}
            />
            if let Some(n) = &state.notice {
                <div class="notice" role="alert">
                    <span>{ n.clone() }</span>
                    <button class="link" onclick={dispatch_action(&dispatch, Action::DismissNotice)}>{ "Dismiss" }</button>
                </div>
            }
            <div class="workspace">
                <section class="pane editor-pane" aria-label="Manifests">
                    <div class="pane-head">
                        <h2>{ "Manifests" }</h2>
                        <span class={classes!("status", (errors > 0).then_some("has-errors"), (errors == 0 && warnings > 0).then_some("has-warnings"))}
                              data-testid="status" aria-live="polite">
                            { status_text(state.has_errors, errors, warnings, infos) }
                        </span>
                    </div>
                    <editor::EditorPane
                        text={Ptr(state.text.clone())}
                        text_revision={state.text_revision}
                        diagnostics={state.editor_diagnostics()}
                        reveal={state.reveal}
                        delay_ms={EDIT_DELAY_MS}
                        on_edit={on_edit}
                    />
                </section>
                <section class="pane results-pane" aria-label="The cluster">
                    <diagram::Diagram
                        snapshot={Ptr(state.snapshot.clone())}
                        layout={Ptr(state.layout.clone())}
                        selected={state.selected.clone()}
                        detail={state.detail.clone().map(Ptr)}
                        zoom={state.zoom}
                        has_errors={state.has_errors}
                        text_revision={state.text_revision}
                        dispatch={dispatch.clone()}
                    />
                    <panels::Panels state={state.clone()} />
                </section>
            </div>
        </div>
    }
}

fn status_text(has_errors: bool, errors: usize, warnings: usize, infos: usize) -> String {
    if has_errors {
        return format!("{errors} error(s): the diagram shows the last text without errors");
    }
    match (errors, warnings, infos) {
        (0, 0, 0) => "no problems".to_string(),
        _ => {
            let mut parts = Vec::new();
            if errors > 0 {
                parts.push(format!("{errors} error(s)"));
            }
            if warnings > 0 {
                parts.push(format!("{warnings} warning(s)"));
            }
            if infos > 0 {
                parts.push(format!("{infos} note(s)"));
            }
            parts.join(", ")
        }
    }
}

/// A click handler that dispatches one action.
pub fn dispatch_action<E: 'static>(
    dispatch: &UseReducerDispatcher<State>,
    action: Action,
) -> Callback<E> {
    let dispatch = dispatch.clone();
    Callback::from(move |_| dispatch.dispatch(action.clone()))
}

/// Enter or Space on a focused element acts as a click.
pub fn on_activate(
    dispatch: &UseReducerDispatcher<State>,
    action: Action,
) -> Callback<KeyboardEvent> {
    let dispatch = dispatch.clone();
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            dispatch.dispatch(action.clone());
        }
    })
}

/// The action that selects a target, or clears it when it is selected.
pub fn select_or_clear(selected: &Option<Target>, target: Target) -> Action {
    if selected.as_ref() == Some(&target) {
        Action::ClearSelection
    } else {
        Action::Select(target)
    }
}

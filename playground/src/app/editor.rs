//! The code editor: the CodeMirror bridge (`js/editor.js`) behind
//! wasm-bindgen externs, in a component that hands it the text, the
//! diagnostics and the lines to reveal, and reports edits.

use super::Ptr;
use crate::state::Reveal;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(module = "/js/editor.js")]
extern "C" {
    type Editor;

    #[wasm_bindgen(constructor)]
    fn new(
        host: &web_sys::HtmlElement,
        text: &str,
        on_change: &Closure<dyn Fn(String)>,
        delay_ms: u32,
    ) -> Editor;

    #[wasm_bindgen(method, js_name = setText)]
    fn set_text(this: &Editor, text: &str);

    #[wasm_bindgen(method, js_name = setDiagnostics)]
    fn set_diagnostics(this: &Editor, json: &str);

    #[wasm_bindgen(method)]
    fn reveal(this: &Editor, line: u32);

    #[wasm_bindgen(method)]
    fn destroy(this: &Editor);
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: Ptr<str>,
    /// The editor takes `text` when this changes (not on its own edits).
    pub text_revision: u64,
    /// JSON for `Editor.setDiagnostics`.
    pub diagnostics: String,
    pub reveal: Option<Reveal>,
    pub delay_ms: u32,
    pub on_edit: Callback<String>,
}

/// The editor and the closure it calls, which must live as long.
struct Live {
    editor: Editor,
    _on_change: Closure<dyn Fn(String)>,
}

#[function_component]
pub fn EditorPane(props: &EditorProps) -> Html {
    let host = use_node_ref();
    let live: Rc<RefCell<Option<Live>>> = use_mut_ref(|| None);
    // The text revision the editor holds.
    let shown = use_mut_ref(|| props.text_revision);

    {
        let host = host.clone();
        let live = live.clone();
        let text = props.text.clone();
        let on_edit = props.on_edit.clone();
        let delay = props.delay_ms;
        use_effect_with((), move |_| {
            if let Some(el) = host.cast::<web_sys::HtmlElement>() {
                let on_change = Closure::<dyn Fn(String)>::new(move |t: String| on_edit.emit(t));
                let editor = Editor::new(&el, &text, &on_change, delay);
                *live.borrow_mut() = Some(Live {
                    editor,
                    _on_change: on_change,
                });
            }
            move || {
                if let Some(l) = live.borrow_mut().take() {
                    l.editor.destroy();
                }
            }
        });
    }
    {
        let live = live.clone();
        let text = props.text.clone();
        use_effect_with(props.text_revision, move |revision| {
            if *shown.borrow() != *revision {
                *shown.borrow_mut() = *revision;
                if let Some(l) = live.borrow().as_ref() {
                    l.editor.set_text(&text);
                }
            }
        });
    }
    {
        let live = live.clone();
        use_effect_with(props.diagnostics.clone(), move |json| {
            if let Some(l) = live.borrow().as_ref() {
                l.editor.set_diagnostics(json);
            }
        });
    }
    use_effect_with(props.reveal, move |reveal| {
        if let (Some(r), Some(l)) = (reveal, live.borrow().as_ref()) {
            l.editor.reveal(u32::try_from(r.line).unwrap_or(u32::MAX));
        }
    });

    html! { <div class="editor-host" ref={host} data-testid="editor"></div> }
}

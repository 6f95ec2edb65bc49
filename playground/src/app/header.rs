//! The top bar: the gallery, the cluster's service CIDR and the theme.

use crate::gallery::{self, EXAMPLES};
use crate::state::{Action, State, Theme};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub example: Option<&'static str>,
    pub service_cidr: String,
    pub theme: Theme,
    pub dispatch: UseReducerDispatcher<State>,
}

#[function_component]
pub fn Header(props: &HeaderProps) -> Html {
    let on_example = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            dispatch.dispatch(Action::OpenExample(select.value()));
        })
    };
    let on_theme = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            if let Some(t) = Theme::from_id(&select.value()) {
                dispatch.dispatch(Action::SetTheme(t));
            }
        })
    };
    let cidr_input = use_node_ref();
    let on_cidr = {
        let dispatch = props.dispatch.clone();
        let input = cidr_input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<web_sys::HtmlInputElement>() {
                dispatch.dispatch(Action::SetServiceCidr(i.value()));
            }
        })
    };
    let blurb = props
        .example
        .and_then(gallery::find)
        .map(|e| e.blurb)
        .unwrap_or("Your own text: edit it, or pick an example.");
    html! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true"></span>
                <h1>{ "svcscope" }<span class="sub">{ " playground" }</span></h1>
            </div>
            <div class="controls">
                <label class="field">
                    <span>{ "Example" }</span>
                    <select onchange={on_example} data-testid="examples">
                        if props.example.is_none() {
                            <option value="" selected=true disabled=true>{ "(your text)" }</option>
                        }
                        { for EXAMPLES.iter().map(|e| html! {
                            <option value={e.id} selected={props.example == Some(e.id)}>{ e.title }</option>
                        }) }
                    </select>
                </label>
                <form class="field cidr" onsubmit={on_cidr}>
                    <label for="service-cidr">{ "Service CIDR" }</label>
                    <input id="service-cidr" ref={cidr_input} value={props.service_cidr.clone()}
                           spellcheck="false" autocomplete="off" size="20"
                           aria-describedby="cidr-help" />
                    <button type="submit">{ "Apply" }</button>
                    <span id="cidr-help" class="visually-hidden">{ "One range, or an IPv4 and an IPv6 range separated by a comma" }</span>
                </form>
                <label class="field">
                    <span>{ "Theme" }</span>
                    <select onchange={on_theme} data-testid="theme">
                        { for [(Theme::System, "System"), (Theme::Light, "Light"), (Theme::Dark, "Dark")].into_iter().map(|(t, name)| html! {
                            <option value={t.id()} selected={props.theme == t}>{ name }</option>
                        }) }
                    </select>
                </label>
            </div>
            <p class="blurb">{ blurb }</p>
        </header>
    }
}

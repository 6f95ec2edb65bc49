// The playground's code editor: CodeMirror 6 with YAML and JSON, line
// numbers, undo/redo, search, and the engine's diagnostics underlined at
// their line:column with the message at the end of the line. The Rust app
// drives it through the `Editor` class (wasm-bindgen externs in
// src/app/editor.rs); nothing here knows Kubernetes.
//
// The page's Content-Security-Policy has `style-src 'self'` without a
// nonce, which blocks the <style> elements CodeMirror injects into a
// document. Inside a shadow root CodeMirror's style-mod uses constructed
// stylesheets (`adoptedStyleSheets`) instead, which CSP does not govern,
// so the editor lives in one. Colours come from the page's CSS custom
// properties, which cross the shadow boundary, so the theme switch needs
// no reconfiguration.

import { EditorState, Compartment, StateField, StateEffect, RangeSetBuilder } from "@codemirror/state";
import {
  EditorView, Decoration, WidgetType, keymap, lineNumbers, highlightActiveLine,
  highlightActiveLineGutter, drawSelection, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import {
  syntaxHighlighting, HighlightStyle, indentOnInput, bracketMatching, foldGutter, foldKeymap,
} from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { yaml } from "@codemirror/lang-yaml";
import { json as jsonLanguage } from "@codemirror/lang-json";

// Every colour is a variable of playground.css (light and dark).
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--syn-key)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--syn-string)" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "var(--syn-atom)" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "var(--syn-comment)", fontStyle: "italic" },
  { tag: [tags.meta, tags.keyword, tags.processingInstruction], color: "var(--syn-meta)" },
  { tag: [tags.labelName, tags.typeName, tags.tagName], color: "var(--syn-anchor)" },
  { tag: [tags.punctuation, tags.separator, tags.brace, tags.squareBracket], color: "var(--syn-punct)" },
  { tag: tags.invalid, color: "var(--error)" },
]);

const theme = EditorView.theme({
  "&": { height: "100%", color: "var(--fg)", backgroundColor: "var(--editor-bg)", fontSize: "13px" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.55" },
  ".cm-content": { caretColor: "var(--accent)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--accent)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
    { backgroundColor: "var(--selection)" },
  ".cm-gutters": { backgroundColor: "var(--editor-gutter)", color: "var(--muted)", border: "none" },
  ".cm-activeLine": { backgroundColor: "var(--active-line)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--active-line)", color: "var(--fg)" },
  ".cm-selectionMatch": { backgroundColor: "var(--match)" },
  ".cm-searchMatch": { backgroundColor: "var(--match)", outline: "1px solid var(--accent)" },
  ".cm-panels": { backgroundColor: "var(--panel)", color: "var(--fg)" },
  ".cm-panels.cm-panels-top": { borderBottom: "1px solid var(--border)" },
  ".cm-panel input, .cm-panel button": { font: "inherit", color: "var(--fg)" },
  ".cm-textfield": { backgroundColor: "var(--bg)", border: "1px solid var(--border)", borderRadius: "4px" },
  ".cm-button": { backgroundImage: "none", backgroundColor: "var(--panel-2)", border: "1px solid var(--border)", borderRadius: "4px" },
  ".cm-tooltip": { backgroundColor: "var(--panel)", color: "var(--fg)", border: "1px solid var(--border)" },
  ".cm-diagnostic-error": { borderLeftColor: "var(--error)" },
  ".cm-diagnostic-warning": { borderLeftColor: "var(--warning)" },
  ".cm-diagnostic-info": { borderLeftColor: "var(--info)" },
  // The lint gutter's markers are data: SVG images, which the page's
  // `default-src 'self'` refuses to load: drawn with CSS instead.
  ".cm-lint-marker": { content: "none", display: "inline-block", width: "0.7em", height: "0.7em", margin: "0.15em" },
  ".cm-lint-marker-error": { content: "none", borderRadius: "50%", backgroundColor: "var(--error)" },
  ".cm-lint-marker-warning": { content: "none", transform: "rotate(45deg) scale(0.85)", backgroundColor: "var(--warning)" },
  ".cm-lint-marker-info": { content: "none", backgroundColor: "var(--info)" },
  ".cm-lintRange-error": { backgroundImage: "none", textDecoration: "underline wavy var(--error)", textUnderlineOffset: "3px" },
  ".cm-lintRange-warning": { backgroundImage: "none", textDecoration: "underline wavy var(--warning)", textUnderlineOffset: "3px" },
  ".cm-lintRange-info": { backgroundImage: "none", textDecoration: "underline dotted var(--info)", textUnderlineOffset: "3px" },
  ".cm-inline-message": {
    marginLeft: "2.5em", fontFamily: "var(--sans)", fontSize: "12px", whiteSpace: "pre",
    opacity: "0.95", padding: "0 6px", borderRadius: "3px",
  },
  ".cm-inline-message-error": { color: "var(--error)", backgroundColor: "var(--error-bg)" },
  ".cm-inline-message-warning": { color: "var(--warning)", backgroundColor: "var(--warning-bg)" },
  ".cm-inline-message-info": { color: "var(--info)", backgroundColor: "var(--info-bg)" },
  ".cm-line-flash": { backgroundColor: "var(--match)" },
});

// The message of a line's first diagnostic, at the end of the line.
class Message extends WidgetType {
  constructor(severity, text) {
    super();
    this.severity = severity;
    this.text = text;
  }
  eq(other) {
    return other.severity === this.severity && other.text === this.text;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = `cm-inline-message cm-inline-message-${this.severity}`;
    span.textContent = this.text; // user text: never markup
    return span;
  }
  ignoreEvent() {
    return false;
  }
}

const setMessages = StateEffect.define();
const messages = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMessages)) deco = e.value;
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// The line a diagnostic link jumps to, briefly marked.
const flashLine = StateEffect.define();
const flash = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(flashLine)) {
        deco = e.value === null ? Decoration.none
          : Decoration.set([Decoration.line({ class: "cm-line-flash" }).range(e.value)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const severities = ["error", "warning", "info"];

function looksLikeJson(text) {
  const m = /\S/.exec(text);
  return m !== null && (text[m.index] === "{" || text[m.index] === "[");
}

export class Editor {
  // host: the element to fill; onChange(text) is called `delayMs` after
  // the last edit (the engine reloads the buffer then).
  constructor(host, text, onChange, delayMs) {
    this.onChange = onChange;
    this.delayMs = delayMs;
    this.timer = 0;
    this.json = looksLikeJson(text);
    this.language = new Compartment();
    const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
    this.view = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          foldGutter(),
          lintGutter(),
          highlightSpecialChars(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          search({ top: true }),
          syntaxHighlighting(highlight),
          this.language.of(this.json ? jsonLanguage() : yaml()),
          EditorState.tabSize.of(2),
          messages,
          flash,
          theme,
          EditorView.contentAttributes.of({ "aria-label": "Manifests (YAML or JSON)" }),
          keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, ...foldKeymap, ...lintKeymap]),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) this.changed();
          }),
        ],
      }),
    });
  }

  changed() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const text = this.view.state.doc.toString();
      // Not inside the update listener: a view takes no dispatch while it
      // updates.
      const json = looksLikeJson(text);
      if (json !== this.json) {
        this.json = json;
        this.view.dispatch({ effects: this.language.reconfigure(json ? jsonLanguage() : yaml()) });
      }
      this.onChange(text);
    }, this.delayMs);
  }

  // Replaces the whole text (a gallery example, a #m= link); no change
  // event follows: the caller loads the text itself.
  setText(text) {
    this.json = looksLikeJson(text);
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: text },
      effects: this.language.reconfigure(this.json ? jsonLanguage() : yaml()),
      selection: { anchor: 0 },
      scrollIntoView: true,
    });
    // The dispatch ran the update listener: no change event for this.
    clearTimeout(this.timer);
  }

  // `list`: JSON of [{line, column?, severity, message}], lines and
  // columns from 1, columns in UTF-16 units.
  setDiagnostics(list) {
    const doc = this.view.state.doc;
    const diagnostics = [];
    const byLine = new Map();
    for (const d of JSON.parse(list)) {
      if (!(d.line >= 1)) continue;
      // A parser that ran out of text reports the line after the last.
      const line = doc.line(Math.min(d.line, doc.lines));
      const severity = severities.includes(d.severity) ? d.severity : "error";
      let from = line.from;
      let to = line.to;
      if (d.column >= 1) {
        from = Math.min(line.from + d.column - 1, line.to);
        // The word at the column, else the rest of the line.
        const rest = doc.sliceString(from, line.to);
        const word = /^[^\s:,{}\[\]]+/.exec(rest);
        to = word ? from + word[0].length : line.to;
      }
      diagnostics.push({ from, to, severity, message: d.message });
      const first = byLine.get(line.number);
      if (!first || severities.indexOf(severity) < severities.indexOf(first.severity)) {
        byLine.set(line.number, { at: line.to, severity, message: d.message });
      }
    }
    const builder = new RangeSetBuilder();
    for (const n of [...byLine.keys()].sort((a, b) => a - b)) {
      const m = byLine.get(n);
      const text = m.message.split("\n")[0];
      builder.add(m.at, m.at, Decoration.widget({ widget: new Message(m.severity, text), side: 1 }));
    }
    this.view.dispatch(setDiagnostics(this.view.state, diagnostics));
    this.view.dispatch({ effects: setMessages.of(builder.finish()) });
  }

  // Moves the cursor to a line, scrolls it into view and marks it.
  reveal(lineNumber) {
    const doc = this.view.state.doc;
    const line = doc.line(Math.max(1, Math.min(lineNumber, doc.lines)));
    this.view.dispatch({
      selection: { anchor: line.from },
      effects: [EditorView.scrollIntoView(line.from, { y: "center" }), flashLine.of(line.from)],
    });
    this.view.focus();
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => this.view.dispatch({ effects: flashLine.of(null) }), 1200);
  }

  destroy() {
    clearTimeout(this.timer);
    clearTimeout(this.flashTimer);
    this.view.destroy();
  }
}

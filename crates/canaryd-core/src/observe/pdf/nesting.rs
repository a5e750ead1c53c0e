//! Bounds on what pdf-extract follows recursively, checked before it runs: a page's /Parent
//! chain (searched for inherited /Resources and /MediaBox) and form XObjects drawn inside
//! each other (`Do`). pdf-extract follows both without a limit, so a hostile PDF whose page
//! is its own parent, or whose form draws itself, would overflow the stack: a crash of the
//! reading process, where canaryd owes its user a failed read saying why.

use std::borrow::Cow;
use std::collections::HashMap;

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

use super::PdfError;

/// Longest /Parent chain followed from a page: real page trees are a few levels deep.
pub(super) const MAX_PARENTS: usize = 64;
/// Deepest nesting of forms drawn inside forms: real documents nest a few.
pub(super) const MAX_FORM_DEPTH: usize = 32;
/// Most forms drawn in one document, counting every time one is drawn: a form drawn twice
/// by each of the forms it is drawn by would otherwise cost 2^depth.
pub(super) const MAX_FORMS_DRAWN: usize = 10_000;

/// The first reason pdf-extract's recursion would not end, or end in time, if any.
pub(super) fn unbounded(doc: &Document) -> Option<PdfError> {
    let mut walk = Walk {
        doc,
        drawn: 0,
        names: HashMap::new(),
        path: Vec::new(),
    };
    let empty = Dictionary::new();
    for (n, page_id) in doc.get_pages() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue; // a missing page is pdf-extract's to report
        };
        let resources = match inherited(doc, page, b"Resources") {
            Ok(found) => found.and_then(|o| o.as_dict().ok()).unwrap_or(&empty),
            Err(e) => return Some(e.on_page(n)),
        };
        if let Err(e) = inherited(doc, page, b"MediaBox") {
            return Some(e.on_page(n));
        }
        if resources.get(b"XObject").is_err() {
            continue; // no form to draw: the page's content need not be decoded here
        }
        let Ok(content) = doc.get_page_content(page_id) else {
            continue;
        };
        if let Err(e) = walk.draw(&content, resources) {
            return Some(e.on_page(n));
        }
    }
    None
}

/// Why pdf-extract's recursion would not end on one page.
enum Unbounded {
    ParentLoop,
    ParentsTooDeep,
    FormDrawsItself,
    FormsTooDeep,
    TooManyForms,
}

impl Unbounded {
    fn on_page(self, n: u32) -> PdfError {
        match self {
            Self::ParentLoop => {
                PdfError::Malformed(format!("page {n}'s /Parent chain loops back on itself"))
            }
            Self::ParentsTooDeep => PdfError::TooBig(format!(
                "page {n}'s /Parent chain is deeper than {MAX_PARENTS} levels"
            )),
            Self::FormDrawsItself => {
                PdfError::Malformed(format!("page {n} draws a form XObject that draws itself"))
            }
            Self::FormsTooDeep => PdfError::TooBig(format!(
                "page {n} nests form XObjects more than {MAX_FORM_DEPTH} deep"
            )),
            Self::TooManyForms => PdfError::TooBig(format!(
                "more than {MAX_FORMS_DRAWN} form XObjects drawn (by page {n})"
            )),
        }
    }
}

/// `key` in `dict` or, as pdf-extract looks for it, in the nearest /Parent that has it.
fn inherited<'a>(
    doc: &'a Document,
    mut dict: &'a Dictionary,
    key: &[u8],
) -> Result<Option<&'a Object>, Unbounded> {
    let mut seen: Vec<ObjectId> = Vec::new();
    loop {
        if let Ok(value) = dict.get(key) {
            return Ok(Some(deref(doc, value)));
        }
        let Ok(parent) = dict.get(b"Parent").and_then(Object::as_reference) else {
            return Ok(None);
        };
        if seen.contains(&parent) {
            return Err(Unbounded::ParentLoop);
        }
        if seen.len() == MAX_PARENTS {
            return Err(Unbounded::ParentsTooDeep);
        }
        seen.push(parent);
        match doc.get_dictionary(parent) {
            Ok(next) => dict = next,
            Err(_) => return Ok(None),
        }
    }
}

/// One level of indirection, as pdf-extract resolves values.
fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

/// The forms drawn so far in the document, and those being drawn now.
struct Walk<'a> {
    doc: &'a Document,
    drawn: usize,
    /// The names each stream's content draws with `Do`, decoded once per stream.
    names: HashMap<*const Stream, std::rc::Rc<[Vec<u8>]>>,
    /// The forms being drawn, outermost first.
    path: Vec<*const Stream>,
}

impl<'a> Walk<'a> {
    /// Follows every `Do` in `content` as pdf-extract will: the name looked up in the
    /// resources' /XObject, the stream drawn with its own /Resources or else these.
    fn draw(&mut self, content: &[u8], resources: &'a Dictionary) -> Result<(), Unbounded> {
        let names = drawn_names(content);
        self.follow(&names, resources)
    }

    fn follow(&mut self, names: &[Vec<u8>], resources: &'a Dictionary) -> Result<(), Unbounded> {
        let doc = self.doc;
        let Some(xobjects) = resources
            .get(b"XObject")
            .ok()
            .and_then(|o| deref(doc, o).as_dict().ok())
        else {
            return Ok(()); // pdf-extract fails on this `Do`: its failure is contained
        };
        for name in names {
            let Some(form) = xobjects
                .get(name)
                .ok()
                .and_then(|o| deref(doc, o).as_stream().ok())
            else {
                continue;
            };
            let key: *const Stream = form;
            if self.path.contains(&key) {
                return Err(Unbounded::FormDrawsItself);
            }
            if self.path.len() == MAX_FORM_DEPTH {
                return Err(Unbounded::FormsTooDeep);
            }
            self.drawn += 1;
            if self.drawn > MAX_FORMS_DRAWN {
                return Err(Unbounded::TooManyForms);
            }
            let inner = match self.names.get(&key) {
                Some(known) => known.clone(),
                None => {
                    let found: std::rc::Rc<[Vec<u8>]> = drawn_names(&contents(form)).into();
                    self.names.insert(key, found.clone());
                    found
                }
            };
            if inner.is_empty() {
                continue;
            }
            let own = form
                .dict
                .get(b"Resources")
                .ok()
                .and_then(|o| deref(doc, o).as_dict().ok())
                .unwrap_or(resources);
            self.path.push(key);
            let result = self.follow(&inner, own);
            self.path.pop();
            result?;
        }
        Ok(())
    }
}

/// The names `content` draws with `Do`, in order; none if it does not decode (pdf-extract
/// then fails on it, and that failure is contained).
fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    let Ok(content) = Content::decode(content) else {
        return Vec::new();
    };
    content
        .operations
        .into_iter()
        .filter(|op| op.operator == "Do")
        .filter_map(|op| op.operands.first()?.as_name().ok().map(<[u8]>::to_vec))
        .collect()
}

/// A form's content as pdf-extract reads it: decoded when it can be, else raw.
fn contents(form: &Stream) -> Cow<'_, [u8]> {
    if form.filters().is_ok() {
        form.decompressed_content()
            .map_or(Cow::Borrowed(&form.content[..]), Cow::Owned)
    } else {
        Cow::Borrowed(&form.content[..])
    }
}

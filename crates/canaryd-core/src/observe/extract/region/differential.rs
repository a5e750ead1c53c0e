//! The cut against the whole page, on generated pages: every construct the cut's conditions
//! name, well or badly written, before, around, inside and after the element with the id.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use scraper::{Html, Selector};

use super::cut;
use crate::observe::extract::guard::cap_nesting;
use crate::observe::extract::html::selected_blocks;

const DOCTYPES: &[&str] = &[
    "<!DOCTYPE html>",
    "<!DOCTYPE html>",
    "<!DOCTYPE html>",
    "<!doctype html>\n",
    "",
    "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">",
];

/// Written before the element, closed or not.
const BEFORE: &[&str] = &[
    "<p>Our transparency report.</p>",
    "<p>An unclosed paragraph",
    "<script>var s = '<ul id=canary><li>fake</li></ul>';</script>",
    "<!-- <ul id=canary><li>commented</li></ul> -->",
    "<noscript><div id=canary><li>no script</li></div></noscript>",
    "<textarea><ul id=canary></textarea>",
    "<table><tr><td>cell</table>",
    "<table><tr><td>cell</td></tr></table>",
    "<b>bold, never closed",
    "<i>misnested <b>x</i></b>",
    "<br/><img src=x.png><hr>",
    "<div/>",
    "</p>",
    "</div>",
    "</li>",
    "<svg><path d='M0 0'/><title>t</title></svg>",
    "<math><mi>x</mi></math>",
    "<select><option>a<option>b</select>",
    "<form><input name=q></form>",
    "<template><li>templated</li></template>",
    "<h1>Warrant canary</h1>",
    "<ul><li>one<li>two</ul>",
    "<ul><li>one</li><li>two</li></ul>",
    "<a href=#>link</a>",
    "<a href=#>unclosed link",
    "<center>c</center>",
    "<dl><dt>t<dd>d</dl>",
    "<button>b</button>",
    "<html><head><title>T</title></head><body>",
    "<head><meta charset=utf-8></head>",
    "</body></html>",
    "<div id=\"c&#97;nary\"><li>a character reference</li></div>",
    // How the tokenizer reads tags, comments and raw text.
    "<div title=\"a > b <ul id=canary>\">quoted</div>",
    "<!--> <div id=canary><li>after an abrupt comment</li></div>",
    "<!--- -> <div id=canary></div> -->",
    "<!-- --!> <p>after a bang comment</p>",
    "<!---!><div id=canary></div>-->",
    "<?xml version=\"1.0\"?><p>x</p>",
    "</ div><p>bogus end</p>",
    "<script>document.write(\"</scr\" + \"ipt><div id=canary>\")</script>",
    "<script><!-- <script> </script> <div id=canary> --></script>",
    "<script>if (a </script ><p>b</p>",
    "<style>li::before { content: \"<li>\" }</style>",
    "<title>A <b id=canary> title</title>",
    "<xmp><div id=canary><li>x</li></div></xmp>",
    "<iframe><div id=canary></div></iframe>",
    "<noembed><div id=canary></div></noembed><noframes><p></noframes>",
    "<svg><script>if (a<b) {}</script></svg>",
    "<svg><style>li { }</style><desc>d</desc></svg>",
    "<svg><title>t <i>x</i></title></svg>",
    "<svg><![CDATA[ <div id=canary> ]]></svg>",
    "<svg/><math/><p>after self-closed svg</p>",
    "<math><annotation-xml encoding=text/html><div>x</div></annotation-xml></math>",
    "<select><xmp></select><div id=canary><li>past an xmp a select drops</li></div>",
    "<a href=\"x\"title=y id=z>no space</a>",
    "<div class=x/>unquoted slash</div>",
    "<DIV ID=CANARY>another case</DIV>",
    "<div id = \"canary\" class=dup>spaced</div>",
    "<div id='canary'/>",
    "<img src=x id=canary>",
    "</div foo=\">\">",
    "<br/ ></br>",
    "<ul><li>x</LI></UL>",
    "<plaintext><div>",
    "<d\0iv>nul</d\0iv>",
    "<div id=\"can\0ary\">nul id</div>",
    "<template><div id=canary><li>t</li></div></template>",
    "&lt;div id=canary&gt;",
    "<html id=canary>",
];

/// Open around the element (the close is written after it, or not).
const AROUND: &[(&str, &str)] = &[
    ("<div class=wrap>", "</div>"),
    ("<main>", "</main>"),
    ("<section>", "</section>"),
    ("<p>", "</p>"),
    ("<span>", "</span>"),
    ("<ul><li>", "</li></ul>"),
    ("<li>", "</li>"),
    ("<b>", "</b>"),
    ("<a href=#>", "</a>"),
    ("<table><tr><td>", "</td></tr></table>"),
    ("<form>", "</form>"),
    ("<button>", "</button>"),
    ("<h2>", "</h2>"),
    ("<ruby>", "</ruby>"),
    ("<nobr>", "</nobr>"),
    ("<object>", "</object>"),
    ("<dl><dd>", "</dd></dl>"),
    ("<svg><foreignObject>", "</foreignObject></svg>"),
    ("<select>", "</select>"),
    ("<template>", "</template>"),
    ("<head>", "</head>"),
];

/// The element's start tag and its own end tag.
const ELEMENT: &[(&str, &str)] = &[
    ("<ul id=canary>", "</ul>"),
    ("<ul\rid=canary\n>", "</ul\t>"),
    ("<ul id = \"canary\" title=\"a>b\">", "</UL foo=\">\">"),
    ("<ul id=canary/>", "</ul>"),
    ("<ul id=\"canary\" class=list>", "</ul>"),
    ("<div id=canary>", "</div>"),
    ("<ol id='canary'>", "</ol>"),
    ("<section id=canary>", "</section>"),
    ("<dl id=canary>", "</dl>"),
    ("<span id=canary>", "</span>"),
    ("<table id=canary>", "</table>"),
    ("<p id=canary>", "</p>"),
    ("<DIV ID=canary>", "</DIV>"),
    ("<div id=canary id=other>", "</div>"),
    ("<div id=other id=canary>", "</div>"),
    ("<details id=canary>", "</details>"),
];

/// Inside the element.
const INSIDE: &[&str] = &[
    "<li>We have never received a National Security Letter.</li>",
    "<li>We have not been subject to a gag order.</li>",
    "<li>An item never closed",
    "<li>Item with <b>bold</b> and <a href=#>a link</a>.</li>",
    "<li>one<br>two</li>",
    "<p>No warrants. No subpoenas.</p>",
    "<p>A paragraph never closed",
    "<div>A block.</div>",
    "<ul><li>Nested item.</li></ul>",
    "<table><tr><td>NSLs</td><td>0</td></tr></table>",
    "<tr><td>stray row</td></tr>",
    "<dt>Term</dt><dd>Definition.</dd>",
    "<dd>stray definition</dd>",
    "</p>",
    "</li>",
    "</div>",
    "</ul>",
    "<b>bold never closed",
    "<a href=#>a1<a href=#>a2</a></a>",
    "<form>in a form</form>",
    "<button>press</button>",
    "<select><option>o</select>",
    "<h3>A heading</h3>",
    "<svg><text>svg text</text></svg>",
    "<script>document.write('<li>x</li>')</script>",
    "<!-- a comment -->",
    "<pre>line 1\nline 2</pre>",
    "<rt>ruby text</rt>",
    "<li><p>para in item</p></li>",
    "<nobr>no break</nobr>",
    "We have never been gagged.",
    "<li id=canary>a nested element with the id</li>",
    "<div id=canary><p>a nested div with the id</p></div>",
    "<li>&amp; an entity &lt;li&gt;</li>",
    "<i><b>misnested</i></b>",
    "<li title=\"</ul>\">a quoted end tag</li>",
    "<li><!-- </ul> --> in a comment</li>",
    "<li><script>'</ul>'</script>in a script</li>",
    "<li><textarea></ul></textarea></li>",
    "<li><svg><title>t</title><path/></svg>svg icon</li>",
    "<li>x</LI>",
    "</ol>",
    "</body>",
    "<li><!--> abrupt</li>",
    "<p><div>div in p</div></p>",
    "<br/>",
    "<div/>",
    "<p>quirks keep a table in a paragraph<table><tr><td>t</td></tr></table></p>",
];

const AFTER: &[&str] = &[
    "<p>After the canary.</p>",
    "<!-- <div id=canary></div> -->",
    "<!--><div id=canary></div>",
    "<script>'<div id=canary>'</script>",
    "<svg><script>x = 1</script><g id=canary></g></svg>",
    "<svg><style><div id=canary></style></svg>",
    "<select><xmp></select><div id=canary><li>past an xmp a select drops</li></div>",
    "<div><svg><foreignObject></div></foreignObject><style><div id=canary><li>x</li></div></style></svg>",
    "<body id=canary>",
    "<div><span>misnested</div></span><p>x",
    "<textarea><div id=canary></textarea>",
    "<plaintext><div id=canary>",
    "<div id=canary><li>a second one</li></div>",
    "<div id=\"c&#97;nary\"><li>a character reference</li></div>",
    "<ul><li>x",
    "</body></html>",
    "</div></div>",
    "<footer>Footer</footer>",
];

const SELECTORS: &[&str] = &[
    "#canary li",
    "#canary",
    "#canary > li",
    "#canary p",
    "#canary *",
    "#canary td",
    "#canary b",
    "#canary ul li",
];

fn page(rng: &mut StdRng) -> String {
    let mut s = String::from(*DOCTYPES.choose(rng).expect("doctypes"));
    for _ in 0..rng.gen_range(0..4) {
        s.push_str(BEFORE.choose(rng).expect("pieces"));
    }
    let around: Vec<&(&str, &str)> = (0..rng.gen_range(0..3))
        .map(|_| AROUND.choose(rng).expect("wrappers"))
        .collect();
    for (open, _) in &around {
        s.push_str(open);
    }
    let (open, close) = ELEMENT.choose(rng).expect("elements");
    s.push_str(open);
    for _ in 0..rng.gen_range(0..6) {
        s.push_str(INSIDE.choose(rng).expect("pieces"));
    }
    if rng.gen_bool(0.9) {
        s.push_str(close);
    }
    for (_, close) in around.iter().rev() {
        if rng.gen_bool(0.85) {
            s.push_str(close);
        }
    }
    for _ in 0..rng.gen_range(0..3) {
        s.push_str(AFTER.choose(rng).expect("pieces"));
    }
    s
}

#[test]
fn the_cut_builds_what_the_whole_page_builds() {
    let selectors: Vec<Selector> = SELECTORS
        .iter()
        .map(|s| Selector::parse(s).expect("test selectors parse"))
        .collect();
    let mut rng = StdRng::seed_from_u64(22);
    let (mut cut_pages, mut whole_pages) = (0usize, 0usize);
    for _ in 0..40_000 {
        let page = page(&mut rng);
        let body = cap_nesting(&page);
        let Some(element) = cut(&body, "canary") else {
            whole_pages += 1;
            continue;
        };
        cut_pages += 1;
        let doc = Html::parse_document(&body);
        let frag = Html::parse_fragment(element);
        for sel in &selectors {
            assert_eq!(
                selected_blocks(&frag, sel),
                selected_blocks(&doc, sel),
                "{page}\ncut: {element}\nselector: {sel:?}"
            );
        }
    }
    eprintln!("{cut_pages} pages cut, {whole_pages} parsed whole");
    // Both paths must be exercised for the comparison to mean anything.
    assert!(cut_pages > 1_000, "only {cut_pages} pages were cut");
    assert!(
        whole_pages > 1_000,
        "only {whole_pages} pages were parsed whole"
    );
}

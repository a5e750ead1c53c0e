//! Recognises bot challenges and block pages served with status 200. Pure.

/// Phrases that only appear on challenge or block pages, lower-case.
const MARKERS: &[&str] = &[
    "cf-browser-verification",
    "cf_chl_opt",
    "/cdn-cgi/challenge-platform/",
    "challenges.cloudflare.com",
    "<title>just a moment...</title>",
    "attention required! | cloudflare",
    "checking your browser before accessing",
    "enable javascript and cookies to continue",
    "ddos protection by",
    "please complete the security check",
    "g-recaptcha",
    "h-captcha",
    "<title>access denied</title>",
    "you don't have permission to access",
    "request unsuccessful. incapsula incident",
    "sgcaptcha",
];

/// A challenge page replaces the content: its visible text is short. A page with more
/// visible text than this is real content, whatever widget it embeds (a login form's
/// reCAPTCHA, Cloudflare's injected scripts).
pub const MAX_CHALLENGE_TEXT: usize = 1_500;

/// Longest excerpt [`excerpt`] returns, in characters.
pub const EXCERPT_CHARS: usize = 300;

/// Pages longer than this are scanned only at their start: challenge pages are small.
const SCAN_BYTES: usize = 64 * 1024;

/// What a page looks like to the challenge rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLook {
    /// The challenge or block marker found, if any.
    pub marker: Option<&'static str>,
    /// Characters of visible text (scripts, styles and tags left out, whitespace collapsed).
    pub visible_chars: usize,
}

impl PageLook {
    /// A challenge replaces the content: a marker on a page with little visible text.
    pub fn is_challenge(&self) -> bool {
        self.marker.is_some() && self.visible_chars <= MAX_CHALLENGE_TEXT
    }
}

/// The marker and the amount of visible text of `body` (HTML or text).
pub fn look(body: &str) -> PageLook {
    let head = prefix(body, SCAN_BYTES);
    let lower = head.to_ascii_lowercase();
    PageLook {
        marker: MARKERS.iter().copied().find(|m| lower.contains(m)),
        visible_chars: visible_text(body, MAX_CHALLENGE_TEXT + 1).chars().count(),
    }
}

/// Names the challenge or block page `body` looks like, if it is one: a challenge marker on
/// a page with at most [`MAX_CHALLENGE_TEXT`] characters of visible text. A full page that
/// merely embeds a captcha widget or mentions a challenge is content.
pub fn detect(body: &str) -> Option<&'static str> {
    let l = look(body);
    if l.is_challenge() { l.marker } else { None }
}

/// Whether a short page's visible text is a known error or block template ("502 Bad
/// Gateway", "Access denied", a bot check): however long it is served, it is a failed
/// fetch, never the canary's replacement.
pub fn is_error_template(body: &str) -> bool {
    if detect(body).is_some() {
        return true;
    }
    let text = visible_text(body, 2 * MAX_CHALLENGE_TEXT).to_lowercase();
    if text.chars().count() > MAX_CHALLENGE_TEXT {
        return false;
    }
    ERROR_PHRASES.iter().any(|p| text.contains(p))
}

/// What an error or block page says first: its title, heading or opening words. Matched
/// only at the start of a page's title or visible text, never anywhere in it, so a canary
/// that mentions "forbidden" or "unavailable" in a sentence is not an error page.
const TEMPLATE_HEADINGS: &[&str] = &[
    "bad gateway",
    "gateway timeout",
    "gateway time-out",
    "service unavailable",
    "service temporarily unavailable",
    "internal server error",
    "access denied",
    "forbidden",
    "too many requests",
    "rate limited",
    "temporarily unavailable",
    "site under maintenance",
    "under maintenance",
    "down for maintenance",
    "maintenance mode",
    "origin error",
    "web server is down",
    "backend fetch failed",
    "just a moment",
    "attention required",
    "are you a robot",
    "verify you are human",
    "accès refusé",
    "service indisponible",
    "erreur interne du serveur",
    "site en maintenance",
];

/// How far into the visible text a template's heading may start (after a status code,
/// "Error", a host name).
const TEMPLATE_LEAD: usize = 40;

/// The error or challenge template a small page is, if it is one: a page with at most
/// [`MAX_CHALLENGE_TEXT`] characters of visible text whose title, or whose visible text
/// within its first words, opens with a known error heading ("502 Bad Gateway",
/// "503 Service Unavailable", "Access denied", "Just a moment…"). Such a page is a failed
/// fetch whatever statements it extracts to (its heading is not the canary). Bot-challenge
/// markers alone ([`detect`]) stay for pages without claims: a small canary may embed a
/// captcha for its contact form.
pub fn error_page(body: &str) -> Option<&'static str> {
    let text = visible_text(body, MAX_CHALLENGE_TEXT + 1).to_lowercase();
    if text.chars().count() > MAX_CHALLENGE_TEXT {
        return None;
    }
    let title = title(body).to_lowercase();
    let opens = |haystack: &str, p: &str| {
        haystack
            .find(p)
            .is_some_and(|i| haystack[..i].chars().count() <= TEMPLATE_LEAD)
    };
    TEMPLATE_HEADINGS
        .iter()
        .copied()
        .find(|p| opens(&title, p) || opens(&text, p))
}

/// The text of the page's first `<title>`, whitespace collapsed (empty without one).
fn title(body: &str) -> String {
    let head = prefix(body, SCAN_BYTES);
    let lower = head.to_ascii_lowercase();
    let Some(open) = lower.find("<title") else {
        return String::new();
    };
    let Some(start) = lower[open..].find('>').map(|i| open + i + 1) else {
        return String::new();
    };
    let end = lower[start..]
        .find("</title")
        .map_or(head.len(), |i| start + i);
    head[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Visible text of error pages servers and proxies send with any status.
const ERROR_PHRASES: &[&str] = &[
    "bad gateway",
    "gateway timeout",
    "gateway time-out",
    "service unavailable",
    "service temporarily unavailable",
    "internal server error",
    "access denied",
    "forbidden",
    "too many requests",
    "rate limited",
    "temporarily unavailable",
    "under maintenance",
    "down for maintenance",
    "maintenance mode",
    "are you a robot",
    "just a moment",
    "checking your browser",
    "enable javascript and cookies",
    "verify you are human",
    "not a robot",
    "origin error",
    "web server is down",
    "error 5",
    "erreur 5",
    "accès refusé",
    "service indisponible",
    "en maintenance",
];

/// The start of the page's visible text, at most [`EXCERPT_CHARS`] characters.
pub fn excerpt(body: &str) -> String {
    let text = visible_text(body, EXCERPT_CHARS * 4);
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}\u{2026}", text[..i].trim_end()),
        None => text,
    }
}

fn prefix(body: &str, max: usize) -> &str {
    let mut end = body.len().min(max);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    &body[..end]
}

/// Visible text of an HTML (or plain) page, whitespace collapsed, stopping after `limit`
/// characters: tags, comments, `<script>`, `<style>`, `<noscript>` and `<title>` content left
/// out.
/// Entities are left as written; this is a size measure and an excerpt, not a renderer.
fn visible_text(body: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut chars = 0usize;
    let mut rest = body;
    let mut space = false;
    let mut push = |t: &str, out: &mut String| -> bool {
        for c in t.chars() {
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            if space {
                out.push(' ');
                chars += 1;
                space = false;
            }
            out.push(c);
            chars += 1;
            if chars >= limit {
                return false;
            }
        }
        true
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push(rest, &mut out);
            break;
        };
        if !push(&rest[..lt], &mut out) {
            break;
        }
        rest = &rest[lt..];
        let after_lt = &rest.as_bytes()[1..];
        let skip_to = if after_lt.starts_with(b"!--") {
            rest.find("-->").map(|i| i + 3)
        } else if let Some(tag) = ["script", "style", "noscript", "title"]
            .into_iter()
            .find(|t| starts_with_ignore_case(after_lt, t.as_bytes()))
        {
            // Searched from here, never by lowercasing the rest of the page: a page of many
            // scripts would cost a copy of itself for each.
            end_tag(rest, tag).and_then(|i| rest[i..].find('>').map(|j| i + j + 1))
        } else {
            rest.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(i) => {
                rest = &rest[i..];
                push(" ", &mut out);
            }
            None => break,
        }
    }
    out
}

fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack
        .get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

/// Where the first `</tag` (any case) starts in `html`.
fn end_tag(html: &str, tag: &str) -> Option<usize> {
    memchr::memmem::find_iter(html.as_bytes(), b"</")
        .find(|&i| starts_with_ignore_case(&html.as_bytes()[i + 2..], tag.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_challenge_and_access_denied_are_recognised() {
        let cf = "<html><head><title>Just a moment...</title></head><body><script>window._cf_chl_opt={}</script></body></html>";
        assert!(detect(cf).is_some());
        let denied = "<html><head><title>Access Denied</title></head><body>You don't have permission to access this.</body></html>";
        assert!(detect(denied).is_some());
    }

    #[test]
    fn a_full_report_embedding_a_captcha_login_is_not_a_challenge() {
        let mut page = String::from(
            "<html><head><title>Transparency report 2025</title><script src=\"https://www.google.com/recaptcha/api.js\"></script></head><body><form id=login><div class=\"g-recaptcha\" data-sitekey=x></div><button>Log in</button></form><main>",
        );
        for i in 0..40 {
            page.push_str(&format!("<p>Section {i}: in this period Example received requests from authorities in several countries and answered each according to the law and our published policy.</p>"));
        }
        page.push_str("</main></body></html>");
        assert_eq!(detect(&page), None);
        assert_eq!(look(&page).marker, Some("g-recaptcha"));
        assert!(!is_error_template(&page));
    }

    #[test]
    fn small_captcha_page_is_a_challenge_and_error_templates_are_known() {
        let captcha = "<html><body><h1>One more step</h1><p>Please complete the security check to access example.org</p><div class=\"g-recaptcha\"></div><script>var big = 'xxxxxxxx';</script></body></html>";
        assert_eq!(detect(captcha), Some("please complete the security check"));
        assert!(is_error_template(captcha));
        assert!(is_error_template(
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
        ));
        assert!(!is_error_template(
            "<html><body><p>This page has moved. Our transparency information is now part of our annual report.</p></body></html>"
        ));
    }

    #[test]
    fn a_small_page_opening_with_an_error_heading_is_an_error_page() {
        let nginx = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        assert_eq!(error_page(nginx), Some("bad gateway"));
        let apache = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\"><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>";
        assert_eq!(error_page(apache), Some("service unavailable"));
        let varnish = "<html><body><h1>Error 503 Backend fetch failed</h1><p>Backend fetch failed</p><h3>Guru Meditation:</h3><p>XID: 12345</p><hr><p>Varnish cache server</p></body></html>";
        assert_eq!(error_page(varnish), Some("backend fetch failed"));
        assert_eq!(
            error_page(
                "<html><body><h1>Service indisponible</h1><p>Réessayez plus tard.</p></body></html>"
            ),
            Some("service indisponible")
        );
        // Content that only mentions such words is not an error page.
        let canary = "<html><head><title>Warrant canary</title></head><body><h1>Warrant canary</h1><p>We have never received a National Security Letter, and we have never been forbidden to say so.</p><p>If this page is ever unavailable, service unavailable pages do not mean the canary died.</p></body></html>";
        assert_eq!(error_page(canary), None);
        let moved = "<html><body><p>This page has moved. Our transparency information is now part of our annual report.</p></body></html>";
        assert_eq!(error_page(moved), None);
        // A large page is content, whatever its title says.
        let big = format!(
            "<html><head><title>Forbidden</title></head><body>{}</body></html>",
            "<p>We have never received a National Security Letter.</p>".repeat(40)
        );
        assert_eq!(error_page(&big), None);
    }

    #[test]
    fn excerpt_is_the_visible_text() {
        let e = excerpt(
            "<html><head><style>p{}</style><script>x()</script></head><body><!-- c --><p>Hello   <b>world</b></p></body></html>",
        );
        assert_eq!(e, "Hello world");
        assert!(excerpt(&"word ".repeat(1000)).chars().count() <= EXCERPT_CHARS + 1);
        // Raw text ends at its end tag in any case; a tag name is matched on its bytes even
        // when a multi-byte character follows within the first ten.
        let e =
            excerpt("<SCRIPT>a</b></Script ><p>Été</p><style>é</style >x<noscriptéé>y</NOSCRIPT>z");
        assert_eq!(e, "Été x z");
    }

    #[test]
    fn ordinary_canary_page_is_not_a_challenge() {
        let page = "<html><head><title>Transparency</title></head><body><ul id=canary><li>We have never received a National Security Letter.</li></ul></body></html>";
        assert_eq!(detect(page), None);
    }
}

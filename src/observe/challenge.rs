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

/// Names the challenge or block page `body` looks like, if it looks like one.
pub fn detect(body: &str) -> Option<&'static str> {
    // Challenge pages are small; a marker deep in a long page is probably page content.
    let head = body.get(..body.len().min(64 * 1024)).unwrap_or(body);
    let lower = head.to_ascii_lowercase();
    MARKERS.iter().copied().find(|m| lower.contains(m))
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
    fn ordinary_canary_page_is_not_a_challenge() {
        let page = "<html><head><title>Transparency</title></head><body><ul id=canary><li>We have never received a National Security Letter.</li></ul></body></html>";
        assert_eq!(detect(page), None);
    }
}

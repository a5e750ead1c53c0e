//! CanaryTail JSON canaries.

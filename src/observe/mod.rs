pub(crate) mod canarytail;
pub(crate) mod follow;
pub(crate) mod pdf;

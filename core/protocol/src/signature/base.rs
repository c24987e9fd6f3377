//! The general signature base of RFC 9421 §2.5 over any ordered list of covered components.
//!
//! The request profile of the parent module is one use of it; keeping the general form apart lets
//! the RFC's own Appendix B examples, which cover other components, be checked against the very
//! code that builds every request's base.

/// One covered component: its identifier (a lower-case field name or a derived component such as
/// `@method`) and its value as the message carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component<'a> {
    /// The component identifier without quotes, e.g. `@target-uri` or `content-digest`.
    pub name: &'a str,
    /// The component value.
    pub value: &'a str,
}

/// The value of one signature parameter (RFC 9421 §2.3): an integer or a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamValue<'a> {
    /// An integer such as `created` or `expires`.
    Integer(i64),
    /// A string such as `keyid`, serialised in double quotes.
    String(&'a str),
}

/// The `@signature-params` value (RFC 9421 §2.3): the inner list of component identifiers in
/// order, then each parameter in order.
pub fn signature_params(names: &[&str], params: &[(&str, ParamValue<'_>)]) -> String {
    let list: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    let mut out = format!("({})", list.join(" "));
    for (name, value) in params {
        match value {
            ParamValue::Integer(number) => out.push_str(&format!(";{name}={number}")),
            ParamValue::String(text) => out.push_str(&format!(";{name}=\"{text}\"")),
        }
    }
    out
}

/// The signature base (RFC 9421 §2.5): one `"<name>": <value>` line per component, in order, then
/// the `@signature-params` line, which ends without a newline.
///
/// Values are trimmed of surrounding whitespace, as §2.1 asks of field values; derived values
/// carry none, so trimming them changes nothing.
pub fn signature_base(components: &[Component<'_>], params: &[(&str, ParamValue<'_>)]) -> String {
    let mut base = String::new();
    for component in components {
        base.push_str(&format!(
            "\"{}\": {}\n",
            component.name,
            component.value.trim()
        ));
    }
    let names: Vec<&str> = components.iter().map(|c| c.name).collect();
    base.push_str(&format!(
        "\"@signature-params\": {}",
        signature_params(&names, params)
    ));
    base
}

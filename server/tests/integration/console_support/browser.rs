//! The console tests' browser: plain HTTP/1.1 over a socket, cookies kept, forms sent with the
//! CSRF token of the last page read, and a login with a password and a TOTP code (enrolling on the
//! first login as a person would).

// A failed assumption in these helpers is the test failing.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qianpi_gateway::office::totp;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An answer.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    /// Header names lowercase; a repeated header's values joined by `\n`.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Page {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    /// The text content of the element with `id` (its inner text, tags dropped).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let at = self.body.find(&marker)?;
        let open_end = at + self.body[at..].find('>')? + 1;
        let tag_start = self.body[..at].rfind('<')? + 1;
        let tag: String = self.body[tag_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let close = self.body[open_end..].find(&format!("</{tag}>"))? + open_end;
        Some(strip_tags(&self.body[open_end..close]))
    }

    /// The `value` of the hidden or text input named `name` (the first).
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&marker)? + marker.len();
        let end = self.body[at..].find('"')? + at;
        Some(unescape(&self.body[at..end]))
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A part of a multipart form.
pub enum Part<'a> {
    Text(&'a str),
    File {
        name: &'a str,
        media_type: &'a str,
        bytes: &'a [u8],
    },
}

/// A cookie-keeping client of the console.
pub struct Browser {
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
    /// The CSRF token of the last page read that had one.
    pub csrf: Option<String>,
    /// The TOTP secret this person enrolled, and the last step used.
    pub totp: Option<(Vec<u8>, i64)>,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookies: BTreeMap::new(),
            csrf: None,
            totp: None,
        }
    }

    /// Sends one request with the cookies held; keeps the cookies the answer sets.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Page {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.push_str(&format!("Cookie: {}\r\n", jar.join("; ")));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        stream.write_all(&bytes).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(raw[..split].to_vec()).unwrap();
        let mut rest = raw[split + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let mut headers = BTreeMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').unwrap();
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_owned();
            if name == "set-cookie" {
                let pair = value.split(';').next().unwrap();
                let (k, v) = pair.split_once('=').unwrap();
                if v.is_empty() || value.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
            headers
                .entry(name)
                .and_modify(|old: &mut String| {
                    old.push('\n');
                    old.push_str(&value);
                })
                .or_insert(value);
        }
        if headers
            .get("transfer-encoding")
            .is_some_and(|v| v.contains("chunked"))
        {
            rest = dechunk(&rest);
        }
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&rest).into_owned(),
        };
        if let Some(token) = page.input("_csrf") {
            self.csrf = Some(token);
        }
        page
    }

    /// `GET path`.
    pub async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, &[], b"").await
    }

    /// `GET path`, following redirects.
    pub async fn get_following(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            if page.status != 303 && page.status != 302 {
                break;
            }
            let to = page.location().to_owned();
            page = self.get(&to).await;
        }
        page
    }

    /// Posts a urlencoded form with `_csrf` from the last page read (unless `fields` has one).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        if !fields.iter().any(|(k, _)| *k == "_csrf") {
            all.push(("_csrf", &token));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
    }

    /// Posts a multipart form with `_csrf` from the last page read first.
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, Part<'_>)]) -> Page {
        let boundary = "qianpi-test-boundary-7d93a1";
        let mut body = Vec::new();
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, Part<'_>)> = vec![("_csrf", Part::Text(&token))];
        for (name, part) in parts {
            all.push((
                name,
                match part {
                    Part::Text(t) => Part::Text(t),
                    Part::File {
                        name,
                        media_type,
                        bytes,
                    } => Part::File {
                        name,
                        media_type,
                        bytes,
                    },
                },
            ));
        }
        for (field, part) in &all {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match part {
                Part::Text(text) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(text.as_bytes());
                }
                Part::File {
                    name,
                    media_type,
                    bytes,
                } => {
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                             Content-Type: {media_type}\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send("POST", path, &[("Content-Type", &content_type)], &body)
            .await
    }

    /// The code for this person's next login: never one used before, so after a login in this
    /// 30-second step it waits for the next, as a person waits for the app's next code.
    pub async fn next_code(&mut self) -> String {
        let (secret, last) = self.totp.clone().expect("enrolled");
        loop {
            let now = totp::step_of(chrono::Utc::now().timestamp());
            if last < now {
                self.totp = Some((secret.clone(), now));
                return format!("{:06}", totp::code_at(&secret, now as u64));
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// Logs in with the password, then the TOTP code (enrolling on the first login); panics
    /// unless the console's home page follows.
    pub async fn login(&mut self, login: &str, password: &str) -> Page {
        let after = self.password(login, password).await;
        assert_eq!(after.status, 303, "{}", after.body);
        let step = self.get(after.location()).await;
        assert_eq!(step.status, 200, "{}", step.body);
        if let Some(secret) = step.text_of("totp-secret") {
            self.totp = Some((base32_decode(&secret), 0));
        }
        let code = self.next_code().await;
        let done = self
            .post_form("/console/login/code", &[("code", &code)])
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let home = self.get(done.location()).await;
        assert_eq!(home.status, 200, "{}", home.body);
        home
    }

    /// Sends the password step only; the answer (303 to the code page when right).
    pub async fn password(&mut self, login: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        let token = form.input("_login").unwrap();
        self.send(
            "POST",
            "/console/login",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            serde_urlencoded::to_string([
                ("_login", token.as_str()),
                ("login", login),
                ("password", password),
            ])
            .unwrap()
            .as_bytes(),
        )
        .await
    }

    /// The session cookie's value, if any.
    pub fn session(&self) -> Option<&String> {
        self.cookies.get(qianpi_gateway::console::SESSION_COOKIE)
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16)
            .unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// RFC 4648 base32 (no padding), as the enrolment page shows the secret.
pub fn base32_decode(text: &str) -> Vec<u8> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.trim().bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        buffer = (buffer << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

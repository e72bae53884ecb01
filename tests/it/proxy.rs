//! A small HTTP/1.1 proxy that the tests put between awsummary and the emulator.
//!
//! Each request is parsed (method, path, headers, body), handed to a rule that
//! decides what happens (forward to moto, answer with a canned response, hang),
//! and the response is sent back with a Content-Length on a keep-alive
//! connection. Rules see the region and service from the SigV4 credential scope,
//! so they can target one (region, service) the way real outages do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// (region, service) from `Credential=AKID/date/region/service/aws4_request`.
    pub fn scope(&self) -> (String, String) {
        let auth = self.header("authorization").unwrap_or_default();
        let cred = auth.split("Credential=").nth(1).unwrap_or_default();
        let parts: Vec<&str> = cred.split(['/', ',']).collect();
        (parts.get(2).unwrap_or(&"").to_string(), parts.get(3).unwrap_or(&"").to_string())
    }

    pub fn region(&self) -> String {
        self.scope().0
    }

    pub fn service(&self) -> String {
        self.scope().1
    }

    /// A query parameter of the request target.
    pub fn query(&self, key: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == key).then(|| v.to_string())
        })
    }

    /// The operation name: `Action=` of query-protocol bodies, `X-Amz-Target`, or the path.
    pub fn operation(&self) -> String {
        if let Some(t) = self.header("x-amz-target") {
            return t.rsplit('.').next().unwrap_or(t).to_string();
        }
        let body = String::from_utf8_lossy(&self.body);
        if let Some(action) = body.split('&').find_map(|kv| kv.strip_prefix("Action=")) {
            return action.to_string();
        }
        self.target.clone()
    }
}

pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response { status, content_type: content_type.into(), body: body.into() }
    }
}

pub enum Action {
    Forward,
    Respond(Response),
    /// Never answer (the connection stays open until the client gives up).
    Hang,
}

pub type Rule = dyn Fn(&Request) -> Action + Send + Sync;

pub struct Proxy {
    pub port: u16,
    rule: Arc<Mutex<Arc<Rule>>>,
    log: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
}

impl Proxy {
    /// Starts a proxy that forwards to `upstream_port` unless the rule says otherwise.
    pub fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let rule: Arc<Mutex<Arc<Rule>>> = Arc::new(Mutex::new(Arc::new(|_: &Request| Action::Forward)));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let (r, l, s, c) = (rule.clone(), log.clone(), stop.clone(), connections.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                c.fetch_add(1, Ordering::Relaxed);
                let (r, l) = (r.clone(), l.clone());
                thread::spawn(move || serve(conn, upstream_port, r, l));
            }
        });
        Proxy { port, rule, log, stop, connections }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn set_rule(&self, rule: impl Fn(&Request) -> Action + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Arc::new(rule);
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(conn: TcpStream, upstream: u16, rule: Arc<Mutex<Arc<Rule>>>, log: Arc<Mutex<Vec<Request>>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone stream"));
    let mut writer = conn;
    while let Some(req) = read_request(&mut reader) {
        log.lock().unwrap().push(req.clone());
        let current = rule.lock().unwrap().clone();
        let response = match current(&req) {
            Action::Forward => match forward(&req, upstream) {
                Some(r) => r,
                None => return,
            },
            Action::Respond(r) => r,
            Action::Hang => {
                thread::sleep(Duration::from_secs(600));
                return;
            }
        };
        let head = format!(
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nx-amzn-requestid: proxy\r\n\r\n",
            response.status,
            response.content_type,
            response.body.len()
        );
        // One write: a head and a body written apart would meet Nagle's
        // algorithm and the client's delayed ACK on a reused connection, 40 ms a
        // response, which no AWS endpoint adds.
        let mut message = head.into_bytes();
        message.extend_from_slice(&response.body);
        if writer.write_all(&message).is_err() {
            return;
        }
    }
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let headers = read_headers(reader)?;
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, target, headers, body })
}

fn read_headers(reader: &mut impl BufRead) -> Option<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some(headers);
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
}

/// Sends the request to moto on a fresh connection and reads the whole answer.
fn forward(req: &Request, upstream: u16) -> Option<Response> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream)).ok()?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if !k.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    up.write_all(head.as_bytes()).ok()?;
    up.write_all(&req.body).ok()?;
    let mut reader = BufReader::new(up);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).ok()?;
    let status: u16 = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let headers = read_headers(&mut reader)?;
    let get = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else {
        reader.read_to_end(&mut body).ok()?;
    }
    let content_type = get("content-type").unwrap_or_else(|| "application/octet-stream".into());
    Some(Response { status, content_type, body })
}

//! A small hostile HTTP server for the hardening tests: it answers whatever a test scripts
//! (redirects, echoed headers and bodies, endless or trickling bodies, truncated JSON, absurd
//! rate-limit headers) over real TCP on 127.0.0.1, and records every request it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The whole request as text, for echoing it back.
    pub fn echo(&self) -> String {
        let mut text = format!("{} {}", self.method, self.target);
        for (k, v) in &self.headers {
            text.push_str(&format!(" {k}: {v};"));
        }
        text.push(' ');
        text.push_str(&String::from_utf8_lossy(&self.body));
        text
    }
}

/// What the server does with one request.
pub enum Reply {
    /// These bytes, then the connection is closed.
    Raw(Vec<u8>),
    /// A 200 whose chunked body never ends (bounded here at `bytes`, far past any cap).
    Endless { bytes: usize },
    /// A 200 that promises `length` bytes and sends one every `every`.
    Trickle { length: usize, every: Duration },
}

impl Reply {
    /// A complete answer with a JSON (or other) body.
    pub fn status(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut text = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
            text.push_str("Content-Type: application/json\r\n");
        }
        for (k, v) in headers {
            text.push_str(&format!("{k}: {v}\r\n"));
        }
        text.push_str("\r\n");
        text.push_str(body);
        Reply::Raw(text.into_bytes())
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Hostile {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Hostile {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, seen) = (handler.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &*handler, &seen));
            }
        });
        Hostile { url, requests }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn seen(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Request>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body);
    let request = Request { method, target, headers, body };
    seen.lock().unwrap().push(request.clone());
    let mut out = stream;
    match handler(&request) {
        Reply::Raw(bytes) => {
            let _ = out.write_all(&bytes);
        }
        Reply::Endless { bytes } => {
            let _ = out
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            let chunk = format!("{:x}\r\n{}\r\n", 64 << 10, " ".repeat(64 << 10));
            let mut sent = 0;
            while sent < bytes && out.write_all(chunk.as_bytes()).is_ok() {
                sent += 64 << 10;
            }
        }
        Reply::Trickle { length, every } => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n");
            let _ = out.write_all(head.as_bytes());
            let started = Instant::now();
            for _ in 0..length {
                std::thread::sleep(every);
                if out.write_all(b" ").is_err() || started.elapsed() > Duration::from_secs(60) {
                    break;
                }
            }
        }
    }
    let _ = out.flush();
}

/// A listener that only counts connections: where a redirect would lead a token.
pub struct Trap {
    pub url: String,
    hits: Arc<Mutex<usize>>,
}

impl Trap {
    pub fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                *counter.lock().unwrap() += 1;
                drop(stream);
            }
        });
        Trap { url, hits }
    }

    pub fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

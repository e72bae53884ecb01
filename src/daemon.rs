//! Watch mode: scan on a schedule and serve the last result to Prometheus.
//!
//! The daemon is the one-shot pipeline in a loop: each cycle runs a whole new
//! scan (fresh credentials, fresh counts; nothing accumulates), renders the
//! exposition once, and swaps it in for the HTTP server, which only ever reads
//! a finished string. Scans never overlap: the next one starts `--every` after
//! the previous start, or right after it ends if it ran late. A scan that
//! fails is logged and counted in `awsummary_scans_total{result="failed"}`; the
//! daemon keeps going. SIGTERM or Ctrl-C stops the schedule (an unfinished scan
//! is dropped), lets in-flight scrapes finish, and exits 0.
//!
//! Endpoints: `GET /metrics` (the exposition), `GET /healthz` (200 once a scan
//! completed, 503 before), `GET /` (a pointer to both).

use std::convert::Infallible;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::cli::Args;
use crate::engine::{self, Plan};
use crate::exit_codes::ExitCode;
use crate::render::{self, prometheus};

/// How long in-flight scrapes may take to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(3);

/// What the server shows; replaced whole after every scan.
struct Published {
    exposition: Arc<String>,
    healthy: bool,
}

pub async fn run(args: &Args, plan: Plan) -> ExitCode {
    let addr = args.listen();
    let listener = match TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("awsummary: cannot listen on {addr}: {e}");
            return ExitCode::Unusable;
        }
    };
    let mut log: Box<dyn Write + Send> = match &args.log_file {
        Some(path) => match std::fs::OpenOptions::new().create(true).append(true).open(path) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("awsummary: cannot open --log-file {}: {e}", path.display());
                return ExitCode::Unusable;
            }
        },
        None => Box::new(std::io::stdout()),
    };

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    let ignored = args.ignored();
    let mut tally = prometheus::ScanTally::default();
    let first = prometheus::Last { report: None, finished_at: SystemTime::now(), duration: Duration::ZERO };
    let published =
        Arc::new(Mutex::new(Published { exposition: Arc::new(prometheus::exposition(&first, tally)), healthy: false }));
    let server = tokio::spawn(serve(listener, published.clone(), stop.clone()));
    eprintln!("awsummary: serving http://{addr}/metrics, scanning every {}", humantime::format_duration(args.every()));

    let mut schedule = tokio::time::interval(args.every());
    schedule.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scan_no = 0u64;
    loop {
        tokio::select! {
            _ = schedule.tick() => {}
            _ = stopped(stop.clone()) => break,
        }
        scan_no += 1;
        let started = Instant::now();
        let outcome = engine::scan(plan.clone(), stopped(stop.clone())).await;
        if *stop.borrow() {
            break; // interrupted mid-scan: publish nothing half-done
        }
        let report = match outcome {
            Ok(report) => Some(report),
            Err(problem) => {
                eprintln!("awsummary: scan {scan_no} failed: {problem}");
                None
            }
        };
        tally.record(report.as_ref(), &ignored);
        let last =
            prometheus::Last { report: report.as_ref(), finished_at: SystemTime::now(), duration: started.elapsed() };
        let exposition = Arc::new(prometheus::exposition(&last, tally));
        {
            let mut p = published.lock().expect("published lock");
            p.exposition = exposition;
            p.healthy |= report.is_some();
        }
        if let Some(report) = &report {
            let failed = report.failed_cells().count();
            if failed > 0 {
                eprintln!("awsummary: scan {scan_no}: {failed} of {} cells failed", report.cells.len());
            }
            let written = render::exporter(args.format(), tally).write(report, &mut log).and_then(|_| log.flush());
            if let Err(e) = written {
                eprintln!("awsummary: cannot write the scan log: {e}");
            }
        }
    }
    let _ = server.await;
    ExitCode::Success
}

/// Accepts connections until `stop`, then gives open ones [`DRAIN`] to finish.
async fn serve(listener: TcpListener, published: Arc<Mutex<Published>>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let published = published.clone();
                let service = hyper::service::service_fn(move |req| answer(req, published.clone()));
                connections.spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = conn.await;
                });
            }
            _ = stop.wait_for(|s| *s) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    // Keep-alive connections idle between scrapes would never end by
    // themselves: give in-flight requests the drain time, then close the rest.
    let _ = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    connections.shutdown().await;
}

async fn answer(req: Request<Incoming>, published: Arc<Mutex<Published>>) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, content_type: &str, body: Bytes| {
        let mut r = Response::new(Full::new(body));
        *r.status_mut() = status;
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, content_type.parse().expect("valid header"));
        Ok(r)
    };
    if req.method() != hyper::Method::GET && req.method() != hyper::Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", Bytes::from_static(b"only GET\n"));
    }
    match req.uri().path() {
        "/metrics" => {
            let exposition = published.lock().expect("published lock").exposition.clone();
            reply(StatusCode::OK, prometheus::CONTENT_TYPE, Bytes::from(exposition.as_bytes().to_vec()))
        }
        "/healthz" => {
            if published.lock().expect("published lock").healthy {
                reply(StatusCode::OK, "text/plain", Bytes::from_static(b"ok\n"))
            } else {
                reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", Bytes::from_static(b"no scan completed yet\n"))
            }
        }
        "/" => reply(StatusCode::OK, "text/plain", Bytes::from_static(b"awsummary: see /metrics and /healthz\n")),
        _ => reply(StatusCode::NOT_FOUND, "text/plain", Bytes::from_static(b"not found\n")),
    }
}

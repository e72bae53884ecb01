//! The engine: discover accounts and regions, fan out one task per cell, and
//! gather the results into a [`Report`].
//!
//! A *cell* is (account, region, service): the unit of work, of failure and of
//! reporting. Every account's discovery and every cell run as tasks under one
//! [`Semaphore`] (`--concurrency`), so ten accounts cost about as much wall time
//! as one. Accounts are pipelined: an account's cells start as soon as its own
//! regions are known, without waiting for the other accounts; a cell becomes a
//! task only once it holds its permit, so memory follows `--concurrency`, not
//! the size of the estate. Tasks send what they find over a channel to a single
//! aggregator ([`aggregate`]) that owns all results; the only other shared,
//! mutable state is the set of account ids already claimed, so that an account
//! reached through two profiles is scanned once. Interrupting a scan closes the
//! semaphore (no new calls start) and the aggregator reports unfinished cells as
//! `cancelled`.

use std::collections::HashMap;
use std::collections::HashSet;
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_config::{Region, SdkConfig};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::collect::{Service, Target, GLOBAL_REGION};
use crate::report::{Account, Cell, Report};
use crate::scope::{self, ConfigOptions};
use crate::status::{Failure, Status};

/// Where the accounts come from.
#[derive(Clone, Debug)]
pub enum Sources {
    /// Each profile (None: the default chain) is one account.
    Profiles(Vec<Option<String>>),
    /// Every active account of the caller's organization, through AssumeRole.
    Org { profile: Option<String>, role_name: String, external_id: Option<String> },
}

/// Everything a scan needs to know, already validated.
#[derive(Clone, Debug)]
pub struct Plan {
    pub sources: Sources,
    pub services: Vec<&'static Service>,
    /// Empty: every region enabled for each account.
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    pub concurrency: usize,
    pub cell_timeout: Duration,
    pub config: ConfigOptions,
    pub progress: bool,
}

/// What tasks tell the aggregator.
enum Event {
    /// An account's discovery started; the token pairs it with its end.
    AccountPending(usize, Account),
    /// An account's discovery ended: ok, failed with its reason, or None when
    /// it turned out to be out of scope (filtered, or already claimed).
    Account(usize, Option<Account>),
    /// These cells are about to run; announced first so that an interrupted
    /// scan can name what did not finish.
    Planned(Vec<CellKey>),
    Cell(Cell),
    /// The scan cannot go on (bad input discovered late, organization unreadable).
    Fatal(String),
}

type CellKey = (Arc<str>, Arc<str>, &'static str);

struct Shared {
    plan: Plan,
    permits: Arc<Semaphore>,
    events: mpsc::UnboundedSender<Event>,
    /// Account ids already claimed by a task, so two profiles of one account scan it once.
    claimed: Mutex<HashSet<String>>,
    tokens: AtomicUsize,
}

impl Shared {
    fn send(&self, event: Event) {
        // The aggregator is gone only after an interrupt or a fatal error.
        let _ = self.events.send(event);
    }

    /// Runs `fut` holding one permit; None when the scan was stopped meanwhile.
    async fn limited<T>(&self, fut: impl Future<Output = T>) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        Some(fut.await)
    }

    /// Announces an account whose discovery starts; returns its token.
    fn account_started(&self, account: &Account) -> usize {
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        self.send(Event::AccountPending(token, account.clone()));
        token
    }

    fn claim(&self, id: &str) -> bool {
        self.claimed.lock().expect("claim lock").insert(id.to_string())
    }
}

/// Runs a whole scan. `Err` is a one-line reason why nothing could be scanned.
pub async fn scan(plan: Plan, shutdown: impl Future<Output = ()>) -> Result<Report, String> {
    let started = Instant::now();
    let generated_at = SystemTime::now();
    let permits = Arc::new(Semaphore::new(plan.concurrency));
    let (events, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        plan: plan.clone(),
        permits: permits.clone(),
        events,
        claimed: Default::default(),
        tokens: AtomicUsize::new(0),
    });
    tokio::spawn(discover(shared));

    let gathered = aggregate(rx, &permits, shutdown, plan.progress).await;
    assemble(&plan, gathered, generated_at, started)
}

/// Turns what the aggregator gathered into a report: unfinished work becomes
/// `cancelled`, `--accounts` ids never reached become failed accounts, and a
/// scan where no account could be reached is an error.
fn assemble(plan: &Plan, gathered: Gathered, generated_at: SystemTime, started: Instant) -> Result<Report, String> {
    let Gathered { mut accounts, mut cells, planned, pending, interrupted, fatal } = gathered;
    if let Some(reason) = fatal {
        return Err(reason);
    }
    for account in pending.into_values() {
        accounts.push(account.fail(Failure::new(Status::Cancelled, "scan interrupted")));
    }
    for (account, region, service) in planned {
        let service = plan.services.iter().copied().find(|s| s.name == service).expect("planned service");
        cells.push(failed_cell(account, region, service, Failure::new(Status::Cancelled, "scan interrupted")));
    }
    for wanted in &plan.accounts {
        if !accounts.iter().any(|a| a.id.as_deref() == Some(wanted.as_str())) && !interrupted {
            let why = match plan.sources {
                Sources::Org { .. } => "not an active account of the organization",
                Sources::Profiles(_) => "no given profile resolves to this account",
            };
            accounts.push(Account {
                id: Some(wanted.clone()),
                name: None,
                profile: None,
                status: Status::Error,
                error: Some(why.into()),
            });
        }
    }
    if accounts.is_empty() && !interrupted {
        return Err("no account left to scan after --accounts/--exclude-accounts".into());
    }
    if !interrupted && accounts.iter().all(|a| a.status != Status::Ok) {
        return Err(match accounts.as_slice() {
            [only] => only.error.clone().unwrap_or_else(|| only.status.to_string()),
            many => format!(
                "no account could be scanned: {}",
                many.iter()
                    .map(|a| format!("{}: {}", account_label(a), a.error.as_deref().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }

    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    let order = |s: &'static Service| plan.services.iter().position(|x| std::ptr::eq(*x, s));
    cells.sort_by(|a, b| {
        (&a.account, &*a.region == GLOBAL_REGION, &a.region, order(a.service)).cmp(&(
            &b.account,
            &*b.region == GLOBAL_REGION,
            &b.region,
            order(b.service),
        ))
    });
    // Deduplicated before copying: 120,000 cells name a few dozen regions.
    let mut names: Vec<&str> = cells.iter().map(|c| &*c.region).filter(|r| *r != GLOBAL_REGION).collect();
    names.sort_unstable();
    names.dedup();
    let regions: Vec<String> = names.into_iter().map(str::to_string).collect();
    Ok(Report {
        generated_at,
        duration: started.elapsed(),
        services: plan.services.clone(),
        accounts,
        regions,
        cells,
        interrupted,
    })
}

fn account_label(a: &Account) -> String {
    match (&a.id, &a.profile) {
        (Some(id), _) => id.clone(),
        (None, Some(p)) => format!("profile {p}"),
        (None, None) => "default credentials".into(),
    }
}

fn failed_cell(account: Arc<str>, region: Arc<str>, service: &'static Service, failure: Failure) -> Cell {
    Cell { account, region, service, status: failure.status, error: Some(failure.message), counts: None }
}

/// Starts one discovery task per account source.
async fn discover(shared: Arc<Shared>) {
    match shared.plan.sources.clone() {
        Sources::Profiles(profiles) => {
            for profile in profiles {
                tokio::spawn(profile_account(shared.clone(), profile));
            }
        }
        Sources::Org { profile, role_name, external_id } => {
            org_accounts(shared, profile, role_name, external_id).await;
        }
    }
}

/// Is this account id in scope under `--accounts` / `--exclude-accounts`?
fn wanted(plan: &Plan, id: &str) -> bool {
    (plan.accounts.is_empty() || plan.accounts.iter().any(|a| a == id))
        && !plan.exclude_accounts.iter().any(|a| a == id)
}

/// One profile's account: who it is and its regions, looked up side by side.
async fn profile_account(shared: Arc<Shared>, profile: Option<String>) {
    let mut account = Account { id: None, name: None, profile: profile.clone(), status: Status::Ok, error: None };
    let token = shared.account_started(&account);
    let config = scope::load_config(profile.as_deref(), &shared.plan.config).await;
    let found =
        shared.limited(async { tokio::try_join!(scope::identify(&config), scope::describe_regions(&config)) }).await;
    let Some(found) = found else { return };
    let ((id, partition), regions) = match found {
        Ok(found) => found,
        Err(failure) => return shared.send(Event::Account(token, Some(account.fail(failure)))),
    };
    if !wanted(&shared.plan, &id) || !shared.claim(&id) {
        return shared.send(Event::Account(token, None));
    }
    account.id = Some(id);
    run_account(&shared, token, account, config, regions.in_partition(&partition));
}

/// The organization's accounts: the caller's own with its credentials, every
/// other through one AssumeRole each.
async fn org_accounts(shared: Arc<Shared>, profile: Option<String>, role_name: String, external_id: Option<String>) {
    let caller = scope::load_config(profile.as_deref(), &shared.plan.config).await;
    let found =
        shared.limited(async { tokio::try_join!(scope::identify(&caller), scope::list_org_accounts(&caller)) }).await;
    let Some(found) = found else { return };
    let ((caller_id, partition), members) = match found {
        Ok(found) => found,
        Err(f) => return shared.send(Event::Fatal(format!("cannot list the organization's accounts: {}", f.message))),
    };
    let role_name = Arc::new(role_name);
    let external_id = Arc::new(external_id);
    for member in members.into_iter().filter(|m| m.active && wanted(&shared.plan, &m.id)) {
        if !shared.claim(&member.id) {
            continue;
        }
        let (shared, caller, partition) = (shared.clone(), caller.clone(), partition.clone());
        let (role_name, external_id, own) = (role_name.clone(), external_id.clone(), member.id == caller_id);
        let account = Account {
            id: Some(member.id.clone()),
            name: member.name.clone(),
            profile: profile_of(&shared.plan),
            status: Status::Ok,
            error: None,
        };
        let token = shared.account_started(&account);
        tokio::spawn(async move {
            let found = shared
                .limited(async {
                    let config = if own {
                        caller
                    } else {
                        scope::assume_role(&caller, &partition, &member.id, &role_name, external_id.as_deref()).await?
                    };
                    let regions = scope::describe_regions(&config).await?;
                    Ok::<_, Failure>((config, regions))
                })
                .await;
            match found {
                None => {}
                Some(Ok((config, regions))) => {
                    run_account(&shared, token, account, config, regions.in_partition(&partition))
                }
                Some(Err(failure)) => shared.send(Event::Account(token, Some(account.fail(failure)))),
            }
        });
    }
}

fn profile_of(plan: &Plan) -> Option<String> {
    match &plan.sources {
        Sources::Org { profile, .. } => profile.clone(),
        Sources::Profiles(_) => None,
    }
}

impl Account {
    fn fail(mut self, failure: Failure) -> Account {
        self.status = failure.status;
        self.error = Some(failure.message);
        self
    }
}

/// Plans and starts every cell of one account whose regions are known.
fn run_account(
    shared: &Arc<Shared>,
    token: usize,
    account: Account,
    config: SdkConfig,
    regions: scope::AccountRegions,
) {
    let plan = &shared.plan;
    let id = account.id.clone().expect("identified account");
    // Explicit regions must exist in the partition; enabled ones are scanned,
    // the others become `unavailable` cells so the report says why they are empty.
    let (scan, disabled): (Vec<String>, Vec<String>) = if plan.regions.is_empty() {
        (regions.enabled.clone(), Vec::new())
    } else {
        let unknown: Vec<&str> =
            plan.regions.iter().filter(|r| !regions.known.contains(r)).map(String::as_str).collect();
        if !unknown.is_empty() {
            return shared.send(Event::Fatal(format!(
                "unknown region {} for account {id}; valid regions: {}",
                unknown.join(", "),
                regions.enabled.join(", ")
            )));
        }
        plan.regions.iter().cloned().partition(|r| regions.enabled.contains(r))
    };
    shared.send(Event::Account(token, Some(account)));

    let id: Arc<str> = Arc::from(id);
    let regional: Vec<&'static Service> = plan.services.iter().copied().filter(|s| !s.global).collect();
    let global = plan.services.iter().copied().filter(|s| s.global);
    // Every cell of the account, in the order they start: the services with the
    // longest chains of round trips first, each region by region, the global
    // ones last among equals. Announced first, then started.
    let global_region: Arc<str> = Arc::from(GLOBAL_REGION);
    let mut cells: Vec<(Arc<str>, &'static Service)> = scan
        .iter()
        .flat_map(|region| {
            let region: Arc<str> = Arc::from(region.as_str());
            regional.iter().map(move |s| (region.clone(), *s))
        })
        .chain(global.map(|s| (global_region.clone(), s)))
        .collect();
    cells.sort_by_key(|(_, s)| std::cmp::Reverse(s.round_trips));
    for region in &disabled {
        let name: Arc<str> = Arc::from(region.as_str());
        for service in &regional {
            let why = Failure::new(Status::Unavailable, format!("region {region} is not enabled for this account"));
            shared.send(Event::Cell(failed_cell(id.clone(), name.clone(), service, why)));
        }
    }
    shared.send(Event::Planned(cells.iter().map(|(region, s)| (id.clone(), region.clone(), s.name)).collect()));
    tokio::spawn(start_cells(shared.clone(), id, config, cells));
}

/// Starts the cells of one account, each only once it holds a permit: a
/// thousand accounts plan 120,000 cells, but only `--concurrency` of them
/// exist as tasks (with their clients and per-region configs) at any time.
async fn start_cells(shared: Arc<Shared>, id: Arc<str>, config: SdkConfig, cells: Vec<(Arc<str>, &'static Service)>) {
    // One config per region, shared by that region's cells; built when first needed.
    let mut current: Option<(Arc<str>, Arc<SdkConfig>)> = None;
    for (region, service) in cells {
        let cell_config = match &current {
            Some((r, c)) if *r == region => c.clone(),
            _ => {
                let c = if &*region == GLOBAL_REGION {
                    Arc::new(config.clone())
                } else {
                    Arc::new(config.to_builder().region(Region::new(region.to_string())).build())
                };
                current = Some((region.clone(), c.clone()));
                c
            }
        };
        // A closed semaphore means the scan was stopped: what is left stays planned, i.e. cancelled.
        let Ok(permit) = shared.permits.clone().acquire_owned().await else { return };
        tokio::spawn(run_cell(shared.clone(), id.clone(), region, cell_config, service, permit));
    }
}

/// One cell, holding its permit: collect under the cell timeout, report.
async fn run_cell(
    shared: Arc<Shared>,
    account: Arc<str>,
    region: Arc<str>,
    config: Arc<SdkConfig>,
    service: &'static Service,
    permit: OwnedSemaphorePermit,
) {
    let limit = shared.plan.cell_timeout;
    let target = Target::new(config, format!("{}-{region}-{account}", service.name));
    let result = tokio::time::timeout(limit, (service.collect)(target)).await;
    drop(permit);
    let cell = match result {
        Ok(Ok(counts)) => Cell { account, region, service, status: Status::Ok, error: None, counts: Some(counts) },
        Ok(Err(failure)) => failed_cell(account, region, service, failure),
        Err(_elapsed) => {
            let why = format!("no result within {}", humantime::format_duration(limit));
            failed_cell(account, region, service, Failure::new(Status::Timeout, why))
        }
    };
    shared.send(Event::Cell(cell));
}

struct Gathered {
    accounts: Vec<Account>,
    cells: Vec<Cell>,
    /// Cells announced but not finished.
    planned: HashSet<CellKey>,
    /// Accounts whose discovery started but did not end.
    pending: HashMap<usize, Account>,
    interrupted: bool,
    fatal: Option<String>,
}

/// The one owner of scan state: receives every event until all tasks are done
/// (the channel closes), the scan is interrupted, or it turns fatal.
async fn aggregate(
    mut rx: mpsc::UnboundedReceiver<Event>,
    permits: &Semaphore,
    shutdown: impl Future<Output = ()>,
    progress: bool,
) -> Gathered {
    let mut g = Gathered {
        accounts: vec![],
        cells: vec![],
        planned: HashSet::new(),
        pending: HashMap::new(),
        interrupted: false,
        fatal: None,
    };
    let mut bar = Progress::new(progress);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                None => break,
                Some(Event::AccountPending(token, a)) => {
                    g.pending.insert(token, a);
                }
                Some(Event::Account(token, a)) => {
                    g.pending.remove(&token);
                    g.accounts.extend(a);
                }
                Some(Event::Planned(keys)) => g.planned.extend(keys),
                Some(Event::Cell(c)) => {
                    g.planned.remove(&(c.account.clone(), c.region.clone(), c.service.name));
                    g.cells.push(c);
                }
                Some(Event::Fatal(reason)) => {
                    g.fatal = Some(reason);
                    permits.close();
                    break;
                }
            },
            _ = &mut shutdown => {
                g.interrupted = true;
                permits.close();
                break;
            }
            _ = tick.tick() => bar.draw(g.cells.len(), g.cells.len() + g.planned.len(), g.accounts.len()),
        }
    }
    bar.clear();
    g
}

/// A one-line progress display on stderr, only on a terminal and only for scans
/// that take more than a moment.
struct Progress {
    enabled: bool,
    started: Instant,
    drawn: bool,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Progress { enabled: enabled && std::io::stderr().is_terminal(), started: Instant::now(), drawn: false }
    }

    fn draw(&mut self, done: usize, total: usize, accounts: usize) {
        if !self.enabled || self.started.elapsed() < Duration::from_millis(300) {
            return;
        }
        let width = 30;
        let filled = (done * width).checked_div(total).unwrap_or(0);
        let bar: String = "#".repeat(filled) + &" ".repeat(width - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K[{bar}] {done}/{total} cells, {accounts} accounts");
        let _ = err.flush();
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

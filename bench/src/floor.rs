//! The machine's floor: what a bare websocket echo server (tokio and
//! tokio-tungstenite, as the server uses, and no application work at all)
//! costs in CPU per message when messages arrive one at a time, at the
//! paces the `/sync` scenarios produce. On a virtual machine this floor is
//! high and grows with the gap between messages (each one wakes an idle
//! CPU with cold caches), so the server's CPU per delivery is read against
//! it: a figure near the floor is the machine, not the server.
//!
//! The echo server is this binary started again as a child process
//! (`phonghop-bench echo-server`), so that its CPU is measured apart from
//! the client's.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

use crate::Row;

/// The first argument that makes this binary the echo server.
pub const ECHO_SERVER_ARGUMENT: &str = "echo-server";

/// Connections the messages go round, so that each message is the only
/// one on its socket (as each JS reader answers on its own socket).
const CONNECTIONS: usize = 10;
const MESSAGE_BYTES: usize = 100;

/// Gaps between messages, and how many messages each measures.
/// 2.7 ms is the pace at which one Node process of `fanout.mjs` answers
/// (it spends 2.7 ms of CPU per delivery); 50 ms is 20 strokes per second.
const PACES: [(Duration, usize); 3] = [
    (Duration::from_micros(100), 5_000),
    (Duration::from_micros(2_700), 2_000),
    (Duration::from_millis(50), 300),
];

/// Runs the echo server: prints its port on the first line of stdout, then
/// sends every binary message back on its socket until the process is
/// killed.
pub async fn serve_echo() -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        tokio::spawn(async move {
            let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            while let Some(Ok(message)) = socket.next().await {
                if message.is_binary() && socket.send(message).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// CPU time of every thread of process `pid`, from the scheduler's own
/// nanosecond counters (`/proc/PID/task/*/schedstat`): the floor is too
/// small a figure for `/proc/PID/stat`'s 10 ms ticks.
fn process_cpu(pid: u32) -> anyhow::Result<Duration> {
    let mut total = 0u64;
    for thread in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = thread?.path().join("schedstat");
        // A thread that ended meanwhile took its time with it.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let on_cpu = text
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .context("an unreadable schedstat")?;
        total += on_cpu;
    }
    Ok(Duration::from_nanos(total))
}

pub async fn floor() -> anyhow::Result<Row> {
    let executable = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(executable)
        .arg(ECHO_SERVER_ARGUMENT)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting the echo server")?;
    let pid = child.id().context("the echo server's pid")?;
    let stdout = child.stdout.take().context("the echo server's stdout")?;
    let mut first_line = String::new();
    BufReader::new(stdout).read_line(&mut first_line).await?;
    let port: u16 = first_line
        .trim()
        .parse()
        .with_context(|| format!("the echo server printed {first_line:?}, not a port"))?;

    let mut sockets = Vec::new();
    for _ in 0..CONNECTIONS {
        let (socket, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}"))
            .await
            .context("connecting to the echo server")?;
        sockets.push(socket);
    }
    let payload = vec![7u8; MESSAGE_BYTES];
    let mut figures = Vec::new();
    for (gap, count) in PACES {
        let before = process_cpu(pid)?;
        let mut next = tokio::time::Instant::now();
        for index in 0..count {
            next += gap;
            tokio::time::sleep_until(next).await;
            let socket = &mut sockets[index % CONNECTIONS];
            socket.send(Message::binary(payload.clone())).await?;
            match socket.next().await {
                Some(Ok(Message::Binary(_))) => {}
                other => bail!("the echo server answered {other:?}"),
            }
        }
        let per_message = (process_cpu(pid)? - before) / count as u32;
        figures.push(format!(
            "{:.1} µs at {} apart",
            per_message.as_secs_f64() * 1e6,
            if gap < Duration::from_millis(1) {
                format!("{} µs", gap.as_micros())
            } else {
                format!("{:.1} ms", gap.as_secs_f64() * 1000.0)
            }
        ));
    }
    child.kill().await?;
    Ok(Row {
        scenario: format!(
            "floor: a bare websocket echo (tokio-tungstenite, no work), one {MESSAGE_BYTES}-byte message at a time over {CONNECTIONS} sockets"
        ),
        figures: format!(
            "echo server CPU per message: {} (50 ms: 20 strokes/s; 2.7 ms: the pace at which fanout.mjs's readers answer)",
            figures.join(", ")
        ),
    })
}

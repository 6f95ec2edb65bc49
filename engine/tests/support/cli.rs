//! The harness of the CLI tests: run the real `svcscope` binary from the
//! workspace root with arguments and stdin, check how it ended, and compare
//! its output with golden files under `engine/tests/golden/`
//! (`UPDATE_GOLDEN=1` rewrites them). Shared by every `cli*.rs` test.
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Running the binary

/// The longest any single run may take. Generous: debug builds on a busy
/// machine are slow, but a hang (or an alias bomb) must not pass.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Shown in failure messages.
    pub what: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the run's output when it differs.
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(want),
            "{}: exit code {:?}, want {want}\n--- stdout\n{}--- stderr\n{}",
            self.what,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts that standard error contains every one of `parts`.
    pub fn stderr_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                self.stderr.contains(p),
                "{}: stderr lacks {p:?}\n--- stderr\n{}",
                self.what,
                self.stderr
            );
        }
        self
    }

    pub fn stderr_empty(&self) -> &Self {
        assert!(
            self.stderr.is_empty(),
            "{}: unexpected stderr\n{}",
            self.what,
            self.stderr
        );
        self
    }

    pub fn stdout_has(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                self.stdout.contains(p),
                "{}: stdout lacks {p:?}\n--- stdout\n{}",
                self.what,
                self.stdout
            );
        }
        self
    }

    /// Asserts that standard output contains none of `parts`.
    pub fn stdout_lacks(&self, parts: &[&str]) -> &Self {
        for p in parts {
            assert!(
                !self.stdout.contains(p),
                "{}: stdout has {p:?}\n--- stdout\n{}",
                self.what,
                self.stdout
            );
        }
        self
    }

    pub fn stdout_empty(&self) -> &Self {
        assert!(
            self.stdout.is_empty(),
            "{}: unexpected stdout\n{}",
            self.what,
            self.stdout
        );
        self
    }

    /// Compares standard output with `engine/tests/golden/<name>`.
    pub fn golden(&self, name: &str) -> &Self {
        golden(name, &self.stdout, &self.what);
        self
    }
}

/// The workspace root: where the commands run.
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("the engine crate sits in the workspace")
        .to_path_buf()
}

/// Runs `svcscope ARGS` with `stdin` (none: an empty, closed stdin).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_limited(args, stdin, TIME_LIMIT)
}

pub fn run_limited(args: &[&str], stdin: Option<&[u8]>, limit: Duration) -> Run {
    let what = format!("svcscope {}", args.join(" "));
    let mut child = Command::new(env!("CARGO_BIN_EXE_svcscope"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    // Feed and drain on threads so that no pipe fills up and blocks.
    let input = stdin.unwrap_or_default().to_vec();
    let mut child_in = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || {
        // The program may exit without reading everything (a usage error):
        // a broken pipe here is not a failure.
        let _ = child_in.write_all(&input);
    });
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {limit:?}; killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("{what}: wait failed: {e}"),
        }
    };
    let _ = writer.join();
    let stdout = String::from_utf8(out_reader.join().expect("stdout reader"))
        .unwrap_or_else(|e| panic!("{what}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    let code = status.code();
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            panic!("{what}: killed by signal {sig}\n--- stderr\n{stderr}");
        }
    }
    assert_ne!(code, Some(101), "{what}: panicked (exit 101)\n{stderr}");
    assert!(
        !stderr.contains("panicked at"),
        "{what}: panicked\n{stderr}"
    );
    Run {
        what,
        code,
        stdout,
        stderr,
    }
}

// ---------------------------------------------------------------------------
// Golden files

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

pub fn updating() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the golden file `name`, or rewrites the file
/// when `UPDATE_GOLDEN` is set.
pub fn golden(name: &str, actual: &str, what: &str) {
    let path = golden_dir().join(name);
    if updating() {
        std::fs::create_dir_all(path.parent().expect("golden files sit in a directory"))
            .expect("create the golden directory");
        let unchanged = std::fs::read_to_string(&path).is_ok_and(|old| old == actual);
        if !unchanged {
            std::fs::write(&path, actual).expect("write the golden file");
            eprintln!("updated {}", path.display());
        }
        return;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => panic!(
            "{what}: golden file {} not readable ({e}).\n\
             Create it with: UPDATE_GOLDEN=1 cargo test -p svcscope --test cli\n\
             --- actual output\n{actual}",
            path.display()
        ),
    };
    if expected != actual {
        panic!(
            "{what}: output differs from {} (- golden, + actual):\n{}\n\
             If the change is intended, review it and run: \
             UPDATE_GOLDEN=1 cargo test -p svcscope --test cli",
            path.display(),
            diff(&expected, actual)
        );
    }
}

/// A line diff with three lines of context, for failure messages.
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.split_inclusive('\n').collect();
    let b: Vec<&str> = actual.split_inclusive('\n').collect();
    let show = |l: &str| {
        let t = l.strip_suffix('\n').unwrap_or(l);
        let mut s = format!("{t:?}");
        // Quote only when whitespace or control characters would hide
        // the difference.
        if !t.ends_with(char::is_whitespace)
            && !t.contains(|c: char| c.is_control())
            && l.ends_with('\n')
        {
            s = t.to_string();
        }
        s
    };
    if a.len() * b.len() > 4_000_000 {
        let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        return format!(
            "first difference at line {}:\n- {}\n+ {}",
            i + 1,
            a.get(i).map_or("<end of file>".into(), |l| show(l)),
            b.get(i).map_or("<end of file>".into(), |l| show(l))
        );
    }
    // Longest common subsequence, then walk it.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (tag, line number in the golden or actual file, text)
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first, then additions, as `diff -u` shows them.
            ops.push(('-', i + 1, a[i]));
            i += 1;
        } else {
            ops.push(('+', j + 1, b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(3);
        let hi = (k + 3).min(ops.len() - 1);
        ops[lo..=hi].iter().any(|o| o.0 != ' ')
    };
    let mut out = String::new();
    let mut skipped = false;
    let mut lines = 0;
    for (k, (tag, line, text)) in ops.iter().enumerate() {
        if !near_change(k) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("  …\n");
            skipped = false;
        }
        lines += 1;
        if lines > 120 {
            out.push_str("  … (diff truncated)\n");
            break;
        }
        out.push_str(&format!("{tag} {line:>4} | {}\n", show(text)));
    }
    if a.last().is_some_and(|l| !l.ends_with('\n')) || b.last().is_some_and(|l| !l.ends_with('\n'))
    {
        out.push_str("  (a last line without a newline is shown quoted)\n");
    }
    out
}

//! Reading from the person at the terminal: lines, bounded; a pasted credentials block read
//! with echo off, so that no secret stays in the terminal's scrollback; and draining whatever
//! is left of a paste that bckeys gives up on, so that none of it falls through into the shell
//! (and its history) once bckeys exits.

use std::io::BufRead;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// The longest line read from the terminal (a line of a credentials block is a few dozen bytes).
const MAX_LINE: u64 = 64 << 10;

/// One line from standard input without its line end; `None` at the end of input or on an
/// error. Bounded: a longer line is cut (and the rest drained by the caller if it gives up).
pub fn read_line() -> Option<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::new());
    let stdin = std::io::stdin();
    let mut lock = std::io::Read::take(stdin.lock(), MAX_LINE);
    match lock.read_until(b'\n', &mut bytes) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            let text = String::from_utf8_lossy(&bytes);
            Some(Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_owned()))
        }
    }
}

/// Discards what is left of a paste: reads and drops input until none has arrived for a moment
/// (a terminal delivers a long paste in bursts), then flushes the terminal's input queue.
/// Bounded in time; a no-op when standard input is not a terminal.
pub fn drain() {
    #[cfg(unix)]
    {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return;
        }
        let started = Instant::now();
        let mut buf = Zeroizing::new([0u8; 4096]);
        while started.elapsed() < Duration::from_secs(3) {
            let mut fd = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
            // SAFETY: one valid pollfd; a read into a buffer of the size given.
            let ready = unsafe { libc::poll(&mut fd, 1, 250) };
            if ready <= 0 || fd.revents & libc::POLLIN == 0 {
                break;
            }
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
        }
        // SAFETY: tcflush on standard input, which is a terminal.
        unsafe {
            libc::tcflush(0, libc::TCIFLUSH);
        }
    }
}

/// While it lives, what is typed or pasted on the terminal is not echoed. The terminal's
/// settings come back when it is dropped, and also when a signal ends bckeys meanwhile (Ctrl-C
/// must not leave the person's shell without echo); the signals' own handling comes back too.
pub struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
    #[cfg(unix)]
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

#[cfg(unix)]
mod restore {
    //! What the signal handler needs: the settings to put back, written before it is installed.
    use std::sync::atomic::{AtomicBool, Ordering};

    static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
    static SET: AtomicBool = AtomicBool::new(false);

    pub fn remember(termios: libc::termios) {
        // SAFETY: written only here, before `SET` publishes it and before any handler runs.
        unsafe { (*std::ptr::addr_of_mut!(SAVED)).write(termios) };
        SET.store(true, Ordering::SeqCst);
    }

    pub fn forget() {
        SET.store(false, Ordering::SeqCst);
    }

    /// Puts the terminal back, then dies of the signal as bckeys would have.
    pub extern "C" fn and_die(signal: libc::c_int) {
        // SAFETY: tcsetattr, signal and raise are async-signal-safe; SAVED was written before
        // SET was set.
        unsafe {
            if SET.load(Ordering::SeqCst) {
                libc::tcsetattr(0, libc::TCSANOW, (*std::ptr::addr_of!(SAVED)).as_ptr());
            }
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

impl EchoOff {
    pub fn new() -> EchoOff {
        #[cfg(unix)]
        {
            use std::io::IsTerminal;
            let mut off = EchoOff { saved: None, previous: Vec::new() };
            if !std::io::stdin().is_terminal() {
                return off;
            }
            // SAFETY: termios and sigaction are plain data, filled by the calls below.
            let mut saved: libc::termios = unsafe { std::mem::zeroed() };
            if unsafe { libc::tcgetattr(0, &mut saved) } != 0 {
                return off;
            }
            restore::remember(saved);
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
                action.sa_sigaction = restore::and_die as extern "C" fn(libc::c_int) as libc::sighandler_t;
                let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
                if unsafe { libc::sigaction(signal, &action, &mut old) } == 0 {
                    off.previous.push((signal, old));
                }
            }
            let mut quiet = saved;
            quiet.c_lflag &= !(libc::ECHO | libc::ECHOE | libc::ECHOK | libc::ECHONL);
            if unsafe { libc::tcsetattr(0, libc::TCSANOW, &quiet) } == 0 {
                off.saved = Some(saved);
            }
            off
        }
        #[cfg(not(unix))]
        EchoOff {}
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            if let Some(saved) = self.saved.take() {
                // SAFETY: restores the settings read from the same terminal.
                unsafe {
                    libc::tcsetattr(0, libc::TCSANOW, &saved);
                }
            }
            for (signal, old) in self.previous.drain(..) {
                // SAFETY: puts back the action that was there before.
                unsafe {
                    libc::sigaction(signal, &old, std::ptr::null_mut());
                }
            }
            restore::forget();
        }
    }
}

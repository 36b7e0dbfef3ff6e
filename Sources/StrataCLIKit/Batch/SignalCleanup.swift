// Every signal that would end the process, other than the SIGINT/SIGTERM a run answers by stopping cleanly
// (RunControl's `Interruption`): the handler removes the `--output` temporary file, then lets the signal end
// the process as it would have (the previous handler, or the default action: the parent sees the same
// signal, with its core dump where the default makes one). A signal the process inherited as ignored
// (`nohup` ignores SIGHUP) stays ignored. Everything a handler does is async-signal-safe: atomic loads,
// unlink(2) of C strings made beforehand, sigaction(2), raise(3).
import Glibc
import Synchronization

public enum SignalCleanup {
    /// The catchable signals whose default action ends the process (signal(7)), real-time ones included.
    /// `Interruption.install` later takes SIGINT over, and SIGTERM in batch runs, to stop a run cleanly; until
    /// then (while the database and the output file open) they are handled here too.
    public static var signals: [Int32] {
        var s: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2, SIGPOLL, SIGPROF,
                          SIGVTALRM, SIGXCPU, SIGXFSZ, SIGPWR, SIGSTKFLT, SIGSYS,
                          SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL]
        let low = __libc_current_sigrtmin(), high = __libc_current_sigrtmax()
        if low > 0, high >= low { s += Array(low...high) }
        return s.filter { $0 > 0 && $0 < Int32(tableSize) }
    }

    static let tableSize = 65  // NSIG on Linux
    /// The actions the handlers replaced, by signal number; filled before any handler is installed.
    static let previous: UnsafeMutablePointer<sigaction> = {
        let p = UnsafeMutablePointer<sigaction>.allocate(capacity: tableSize)
        p.initialize(repeating: sigaction(), count: tableSize)
        return p
    }()
    static let installed = Atomic<Bool>(false)

    /// Installs the handlers (once per process).
    public static func install() {
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let table = previous
        for sig in signals {
            var old = sigaction()
            guard sigaction(sig, nil, &old) == 0, !isIgnored(old) else { continue }
            table[Int(sig)] = old
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = handler
            sigemptyset(&action.sa_mask)
            // SA_ONSTACK: a stack overflow's SIGSEGV still runs the handler when an alternate stack exists.
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigaction(sig, &action, nil)
        }
    }

    static func isIgnored(_ a: sigaction) -> Bool {
        a.sa_flags & SA_SIGINFO == 0 && unsafeBitCast(a.__sigaction_handler.sa_handler, to: Int.self) == 1  // SIG_IGN
    }

    static let handler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = {
        sig, info, context in
        TemporaryFiles.removeAll()
        SignalCleanup.passOn(sig, info, context)
    }

    /// Hands the signal to the action it replaced: the previous handler, or the default action (re-raised: it
    /// is delivered, and ends the process, as soon as the handler returns).
    static func passOn(_ sig: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
        guard sig > 0, Int(sig) < tableSize else { return }
        let old = previous[Int(sig)]
        if old.sa_flags & SA_SIGINFO != 0, let f = old.__sigaction_handler.sa_sigaction {
            f(sig, info, context)
        } else if let f = old.__sigaction_handler.sa_handler, unsafeBitCast(f, to: Int.self) != 1 {
            f(sig)
        } else {
            die(sig)
        }
    }

    /// Restores the default action of `sig` and raises it. From a handler, the process ends when the handler
    /// returns; elsewhere, at once.
    public static func die(_ sig: Int32) {
        var action = sigaction()  // sa_handler nil: SIG_DFL
        sigemptyset(&action.sa_mask)
        sigaction(sig, &action, nil)
        raise(sig)
        // Not from a handler and still alive (a blocked signal): unblock it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

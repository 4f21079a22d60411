// authd's settings follow the file: each (re)start of authd reads the auth
// sections again. Apart from RouterConfig+Auth.swift so that the
// configuration layer builds without the Router (its fuzz target does).
import IPC

extension Router {
    /// Before authd (re)starts: the auth sections as the file says now.
    func refreshAuthSettings(_ c: Component) {
        guard c.peer == .authd, !config.file.isEmpty else { return }
        switch config.reloadedAuth() {
        case let .success(auth): c.setup.settings = auth.encoded()
        case let .failure(e): log.warning("authd: keeping the previous auth settings: \(e)")
        }
    }
}

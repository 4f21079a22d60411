// A reload, asked by `pppctl reload` or SIGHUP (issue 19): the whole file is
// checked as a start would check it, and a broken one changes nothing; a
// good one restarts authd, which reads the auth sections again, and the
// report says what else differs and waits for a restart of the router.
import Config
import IPC

extension Router {
    /// Checks the file; on success restarts authd and returns the report
    /// with the authd component (its readiness ends a pppctl reload).
    func reload() -> Result<(ReloadReport, Component), ConfigError> {
        var warnings: [ConfigError] = []
        let file: RouterConfig
        do {
            file = try RouterConfig.checked(path: config.file, warnings: &warnings)
        } catch {
            log.warning("reload refused: \(error)")
            return .failure(error)
        }
        for w in warnings { log.warning("\(w)") }
        guard let c = component(named: "authd") else {
            return .failure(ConfigError(file: config.file, line: 0, reason: "no authd to reload"))
        }
        let report = ReloadReport(running: config, file: file)
        for line in report.lines { log.notice("reload: \(line)") }
        apply(c, c.supervision.handle(.restartRequested, now: now, policy: config.policy))
        return .success((report, c))
    }
}

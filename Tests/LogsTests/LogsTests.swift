import Testing
@testable import Logs

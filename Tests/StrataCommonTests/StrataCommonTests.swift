import Testing
@testable import StrataCommon

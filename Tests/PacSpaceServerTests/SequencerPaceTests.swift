import Testing

@testable import PacSpaceServer

/// When the sequencer's next round may start (`Sequencer.pace`, docs/architecture.md, "The
/// sequencer"): the interval, stretched only after a long round of small batches.
@Suite struct SequencerPaceTests {
    let interval = Duration.milliseconds(200)

    @Test func aShortRoundWaitsForTheInterval() {
        // One environment under load: one batch of 1,200 deltas in 40 ms.
        #expect(Sequencer.pace(interval: interval, round: .milliseconds(40), batches: 1, entries: 1_200) == interval)
        #expect(Sequencer.pace(interval: interval, round: .milliseconds(90), batches: 100, entries: 1_000) == interval)
        #expect(Sequencer.pace(interval: interval, round: .milliseconds(5), batches: 0, entries: 0) == interval)
    }

    @Test func aLongRoundOfSmallBatchesPausesAsLongAsItTook() {
        // 100 environments with ten deltas each.
        #expect(Sequencer.pace(interval: interval, round: .milliseconds(150), batches: 100, entries: 1_000) == .milliseconds(300))
        // The pause is at most a second.
        #expect(Sequencer.pace(interval: interval, round: .seconds(3), batches: 100, entries: 1_000) == .seconds(4))
    }

    @Test func aDrainedBacklogIsNotPaced() {
        // Twenty full batches: the next round starts as soon as the interval allows.
        #expect(Sequencer.pace(interval: interval, round: .milliseconds(800), batches: 20, entries: 200_000) == .milliseconds(800))
    }
}

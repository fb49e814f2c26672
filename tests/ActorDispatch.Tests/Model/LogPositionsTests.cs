using ActorDispatch.Log;

namespace ActorDispatch.Tests.Model;

public sealed class LogPositionsTests
{
    // A log of random entry sizes: entry i (from 1) starts at starts[i - 1].
    private static List<(long First, int Count)> RandomLog(int entries, int seed)
    {
        var random = new Random(seed);
        var log = new List<(long, int)>();
        long next = 1;
        for (var i = 0; i < entries; i++)
        {
            var count = random.Next(4) == 0 ? random.Next(1, 200) : 1;
            log.Add((next, count));
            next += count;
        }
        return log;
    }

    private static long EntryOf(List<(long First, int Count)> log, long sequence) =>
        log.FindIndex(e => e.First <= sequence && sequence < e.First + e.Count) + 1;

    [Fact]
    public void Bounds_always_hold_the_entry_of_a_sequence_and_recent_entries_are_exact_after_thinning()
    {
        var log = RandomLog(3000, seed: 7);
        var positions = new LogPositions(capacity: 64);
        for (var i = 0; i < log.Count; i++) positions.Record("ns", log[i].First, i + 1, log[i].Count);

        var last = log[^1].First + log[^1].Count - 1;
        var random = new Random(11);
        for (var n = 0; n < 2000; n++)
        {
            var sequence = random.NextInt64(1, last + 1);
            var (low, high) = positions.Bounds("ns", sequence);
            Assert.InRange(EntryOf(log, sequence), low, high);
        }
        for (var i = log.Count - 20; i < log.Count; i++)
        {
            Assert.Equal((i + 1L, i + 1L), positions.Bounds("ns", log[i].First));
        }
    }

    [Fact]
    public void With_nothing_known_the_bounds_are_what_dense_sequences_allow()
    {
        var positions = new LogPositions();
        Assert.Equal((1L, 500L), positions.Bounds("ns", 500));
        Assert.Equal(1, positions.EventsPerEntry("ns"));

        positions.Record("ns", 101, 40, 60); // entry 40 holds 101..160
        Assert.Equal((1L, 39L), positions.Bounds("ns", 100));
        Assert.Equal((40L, 40L), positions.Bounds("ns", 101));
        Assert.Equal((40L, 99L), positions.Bounds("ns", 160)); // unknown where 40 ends: up to one event per later entry
        Assert.Equal((1L, 500L), positions.Bounds("other", 500));
    }
}

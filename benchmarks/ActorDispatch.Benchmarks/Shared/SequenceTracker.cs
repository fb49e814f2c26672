namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// Checks one consumer's deliveries against the published sequences 0..expected-1: every one must
/// arrive; duplicates (allowed by at-least-once delivery) are counted, as are first deliveries that
/// did not follow their predecessor (the engine promises sequence order).
/// </summary>
internal sealed class SequenceTracker(int expected)
{
    private readonly bool[] _seen = new bool[expected];
    private long _previous = -1;

    public int Unique { get; private set; }

    public int Duplicates { get; private set; }

    public int OutOfOrder { get; private set; }

    public bool Complete => Unique == _seen.Length;

    /// <summary>Records a delivery; true if it is the first of this sequence.</summary>
    public bool See(long sequence)
    {
        if ((ulong)sequence >= (ulong)_seen.Length) throw new InvalidOperationException($"unexpected sequence {sequence}");
        var first = !_seen[sequence];
        if (first)
        {
            _seen[sequence] = true;
            Unique++;
            if (sequence != _previous + 1) OutOfOrder++;
        }
        else
        {
            Duplicates++;
        }
        _previous = sequence;
        return first;
    }
}

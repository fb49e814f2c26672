namespace ActorDispatch.Log;

/// <summary>
/// Event ids are RFC 9562 version-8 UUIDs that carry the event's sequence in their last 7 bytes
/// beside 66 random bits. A lookup by id is then a single read at that sequence (and a compare of
/// the full id), with no secondary index to keep in the journal.
/// </summary>
internal static class EventIds
{
    private const long MaxSequence = (1L << 56) - 1;

    public static Guid Create(long sequence)
    {
        if (sequence is < 1 or > MaxSequence) throw new ArgumentOutOfRangeException(nameof(sequence));
        Span<byte> b = stackalloc byte[16];
        Random.Shared.NextBytes(b[..9]);
        b[6] = (byte)(0x80 | (b[6] & 0x0F)); // version 8
        b[8] = (byte)(0x80 | (b[8] & 0x3F)); // RFC 9562 variant
        for (var i = 15; i >= 9; i--)
        {
            b[i] = (byte)sequence;
            sequence >>= 8;
        }
        return new Guid(b, bigEndian: true);
    }

    /// <summary>The sequence an id was made for, if it is one of ours.</summary>
    public static bool TryGetSequence(Guid id, out long sequence)
    {
        Span<byte> b = stackalloc byte[16];
        id.TryWriteBytes(b, bigEndian: true, out _);
        sequence = 0;
        if ((b[6] & 0xF0) != 0x80 || (b[8] & 0xC0) != 0x80) return false;
        for (var i = 9; i <= 15; i++) sequence = (sequence << 8) | b[i];
        return sequence >= 1;
    }
}

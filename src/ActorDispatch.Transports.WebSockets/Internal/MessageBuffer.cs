using System.Buffers;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// Reassembles one client message from its fragments in a pooled buffer that grows up to one byte
/// past the limit, so that an oversize message is recognised without reading it whole.
/// </summary>
internal sealed class MessageBuffer(int maxSize) : IDisposable
{
    private const int InitialSize = 4096;
    private const int KeepSize = 64 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialSize, maxSize + 1));
    private int _count;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _count);

    public bool Overflowed => _count > maxSize;

    /// <summary>Room for the next fragment, growing the buffer when it is full.</summary>
    public Memory<byte> Free()
    {
        if (_count == _buffer.Length) Resize(Math.Min((long)_buffer.Length * 2, maxSize + 1L));
        return _buffer.AsMemory(_count);
    }

    public void Advance(int count) => _count += count;

    /// <summary>Starts the next message; a buffer grown for one large message is given back to the pool.</summary>
    public void Reset()
    {
        _count = 0;
        if (_buffer.Length > KeepSize) Resize(InitialSize);
    }

    private void Resize(long size)
    {
        var next = ArrayPool<byte>.Shared.Rent((int)size);
        _buffer.AsSpan(0, _count).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

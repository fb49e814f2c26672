using System.Collections.Concurrent;
using System.Text;

namespace ActorDispatch.Transports.WebSockets.Tests.Support;

/// <summary>
/// The far end of a connection that never sends: reads wait until the stream is disposed (or the
/// read is cancelled). Writes are recorded as ASCII text; with <c>stallWrites</c> they never
/// complete either, as with a peer that reads nothing.
/// </summary>
internal sealed class PeerStream(bool stallWrites = false) : Stream
{
    private readonly ConcurrentQueue<string> _writes = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstWrite = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Writes => _writes.ToList();

    public Task FirstWrite => _firstWrite.Task;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _disposed.Task.WaitAsync(cancellationToken);
        throw new ObjectDisposedException(nameof(PeerStream));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _writes.Enqueue(Encoding.ASCII.GetString(buffer.Span));
        _firstWrite.TrySetResult();
        if (!stallWrites) return;
        await _disposed.Task.WaitAsync(cancellationToken);
        throw new ObjectDisposedException(nameof(PeerStream));
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _disposed.TrySetResult();
        base.Dispose(disposing);
    }
}

using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// A publisher on a server's append stream (<c>/api/v1/namespaces/{ns}/events/stream</c>): each call
/// is one message (one event, or an array), sent in call order by one writer; the server answers in
/// that order, so answers complete the calls first in, first out. Used with <c>--append stream</c>.
/// On <see cref="LeanWebSocket"/>: the messages queued while a send is under way leave together in
/// the next one, as the brokers' clients pipeline their publishes, and the answers that arrived
/// together are read from one receive.
/// </summary>
internal sealed class AppendStreamClient : IAsyncDisposable
{
    private static readonly byte[] Appended = """{"type":"appended"""u8.ToArray();

    private readonly Task<LeanWebSocket> _socket;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<TaskCompletionSource> _waiting = new();
    private readonly Lock _order = new();
    private readonly Task _writer;
    private readonly Task _reader;

    private AppendStreamClient(Uri uri)
    {
        _socket = LeanWebSocket.ConnectAsync(uri, CancellationToken.None);
        _writer = WriteLoopAsync();
        _reader = ReadLoopAsync();
    }

    /// <summary>
    /// A client that connects in the background: appends made meanwhile are queued in call order
    /// (awaiting the connection before queueing would let the waiting calls resume in any order).
    /// </summary>
    public static AppendStreamClient Connect(Uri address, string ns) =>
        new(new UriBuilder(address) { Scheme = "ws", Path = $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/events/stream" }.Uri);

    /// <summary>Completes once the server answered this append; an error answer throws with its message.</summary>
    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        var body = events.Count == 1
            ? JsonSerializer.SerializeToUtf8Bytes(events[0], ActorDispatchJson.Options)
            : JsonSerializer.SerializeToUtf8Bytes(events, ActorDispatchJson.Options);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Queued and sent in the same order: the answers come in the order the messages were sent.
        lock (_order)
        {
            _waiting.Enqueue(answered);
            if (!_outgoing.Writer.TryWrite(body)) answered.TrySetException(new InvalidOperationException("the append stream is closed"));
        }
        return ct.CanBeCanceled ? answered.Task.WaitAsync(ct) : answered.Task;
    }

    private async Task WriteLoopAsync()
    {
        var socket = await _socket;
        var outgoing = _outgoing.Reader;
        while (await outgoing.WaitToReadAsync())
        {
            while (outgoing.TryRead(out var body)) socket.QueueText(body);
            await socket.FlushAsync();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            var socket = await _socket;
            while (true)
            {
                await socket.ReceiveAsync();
                while (socket.TryRead(out var message))
                {
                    if (!_waiting.TryDequeue(out var answered)) throw new InvalidOperationException("an answer came for no append");
                    if (message.Span.StartsWith(Appended)) answered.TrySetResult();
                    else answered.TrySetException(new InvalidOperationException($"append refused: {System.Text.Encoding.UTF8.GetString(message.Span)}"));
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Closed (a close frame reads as InvalidOperationException) or failed: what waits fails below.
        }
        finally
        {
            while (_waiting.TryDequeue(out var left)) left.TrySetException(new InvalidOperationException("the append stream closed"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        try
        {
            await _writer;
            var socket = await _socket;
            await socket.CloseOutputAsync("done");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _reader.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidOperationException)
        {
        }
        if (_socket.IsCompletedSuccessfully) _socket.Result.Dispose();
    }
}

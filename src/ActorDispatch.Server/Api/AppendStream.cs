using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using ActorDispatch.Model;
using ActorDispatch.Transports.WebSockets.Internal;

namespace ActorDispatch.Server.Api;

/// <summary>
/// One append stream (<see cref="AppendStreamEndpoint"/>): each message from the client is an append
/// body as <c>POST …/events</c> takes it (one event, or an array appended atomically), and each is
/// answered in the order it came, <c>appended</c> or <c>error</c>. Appends are handed to the engine as
/// they are read, without waiting for the previous ones to be written, up to
/// <see cref="ServerSettings.MaxAppendsInFlight"/> unanswered; beyond that the stream is not read,
/// so a client that sends faster than the log writes is held back by TCP. A bad message is answered
/// with an error naming its field and the stream goes on: nothing of it was appended.
/// </summary>
internal sealed class AppendStream
{
    private static readonly JsonEncodedText AppendedType = JsonEncodedText.Encode("appended");
    private static readonly JsonEncodedText ErrorType = JsonEncodedText.Encode("error");

    private readonly WebSocket _socket;
    // Under the socket: holds its writes so that answers ready together leave in one write (null if not installed).
    private readonly ConnectionStream? _stream;
    private readonly string _namespace;
    private readonly IActorDispatch _engine;
    private readonly ServerSettings _settings;
    private readonly ILogger _log;
    private readonly Channel<Pending> _pending;
    private readonly Lock _stopLock = new();
    private bool _stopped;

    /// <summary>An answer to send, in order: an append the engine is writing, or a refusal.</summary>
    private readonly record struct Pending(Task<IReadOnlyList<Event>>? Append, bool Many, Answer? Refused);

    /// <summary>What a pending append came to: its events, or an error with its HTTP status.</summary>
    private readonly record struct Answer(IReadOnlyList<Event>? Events, int Status, string? Error);

    public AppendStream(WebSocket socket, ConnectionStream? stream, string @namespace, IActorDispatch engine, ServerSettings settings, ILogger log)
    {
        _socket = socket;
        _stream = stream;
        _namespace = @namespace;
        _engine = engine;
        _settings = settings;
        _log = log;
        _pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(settings.MaxAppendsInFlight)
        {
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>Reads and answers until the client closes, the socket fails or the server stops.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        // A stopping server reads no more (a cancelled receive would abort the socket, and with it the
        // answers still to send): the writer answers what was read, then closes with 1001.
        using var stop = stopping.Register(() =>
        {
            lock (_stopLock)
            {
                _stopped = true;
                _pending.Writer.TryComplete();
            }
        });
        var writer = WriteLoopAsync(stopping);
        var status = WebSocketCloseStatus.NormalClosure;
        try
        {
            status = await ReadLoopAsync();
        }
        catch (WebSocketException)
        {
            // The peer went away: what was read is still appended, its answers have nowhere to go.
        }
        finally
        {
            _pending.Writer.TryComplete();
        }
        // Every append read is answered before the close, so the client knows the fate of each.
        await writer;
        await CloseAsync(status, status == WebSocketCloseStatus.MessageTooBig ? "message larger than ActorDispatch:MaxBodySize" : "");
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    // The status to close with: the client closed, a message was too large, or the server stops
    // (then the writer has closed with it already).
    private async Task<WebSocketCloseStatus> ReadLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer.GetMemory(4096), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close) return WebSocketCloseStatus.NormalClosure;
                buffer.Advance(result.Count);
                if (buffer.WrittenCount > _settings.MaxBodySize)
                {
                    // Nothing is appended for it: a stop in between may drop this answer.
                    if (await _pending.Writer.WaitToWriteAsync())
                        _pending.Writer.TryWrite(new Pending(null, false, new Answer(null, StatusCodes.Status413PayloadTooLarge,
                            ErrorResponses.BodyTooLarge("the message", _settings.MaxBodySize))));
                    return WebSocketCloseStatus.MessageTooBig;
                }
            } while (!result.EndOfMessage);
            // Room first, then the append, under the lock the stop takes: an append the engine took
            // always has its place in the answers (this is the only writer, so the room stays).
            if (!await _pending.Writer.WaitToWriteAsync()) return WebSocketCloseStatus.EndpointUnavailable;
            lock (_stopLock)
            {
                if (_stopped || !_pending.Writer.TryWrite(Append(buffer.WrittenMemory))) return WebSocketCloseStatus.EndpointUnavailable;
            }
        }
    }

    // Parsed and handed to the engine here, in the order read: the log assigns sequences in that order.
    private Pending Append(ReadOnlyMemory<byte> utf8)
    {
        IReadOnlyList<NewEvent> events;
        bool many;
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = ActorDispatchJson.MaxDepth });
            events = NewEventReader.ReadOneOrMany(document.RootElement, out many);
        }
        catch (JsonException ex)
        {
            return new Pending(null, false, Refusal(JsonBody.NotValidJson(ex, "the message")));
        }
        catch (ActorDispatchException ex)
        {
            return new Pending(null, false, Refusal(ex));
        }
        return new Pending(_engine.AppendAsync(_namespace, events, CancellationToken.None), many, null);
    }

    private async Task WriteLoopAsync(CancellationToken stopping)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        await using var json = new Utf8JsonWriter(buffer);
        var open = true;
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            // The answers of appends already written leave in one write; before waiting for one still
            // being written, those before it are sent.
            _stream?.Hold();
            try
            {
                while (reader.TryRead(out var pending))
                {
                    if (pending.Append is { IsCompleted: false } && _stream is not null)
                    {
                        await ReleaseAsync(_stream);
                        _stream.Hold();
                    }
                    // Once the socket failed, the rest are still awaited: their events are written all the same.
                    var answer = await AnswerAsync(pending);
                    if (open) open = await SendAsync(buffer, json, answer, pending.Many);
                }
            }
            finally
            {
                if (_stream is not null) await ReleaseAsync(_stream);
            }
        }
        if (stopping.IsCancellationRequested) await CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "server stopping");
    }

    private async Task<bool> SendAsync(ArrayBufferWriter<byte> buffer, Utf8JsonWriter json, Answer answer, bool many)
    {
        buffer.ResetWrittenCount();
        json.Reset();
        Write(json, answer, many);
        json.Flush();
        try
        {
            await _socket.SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException)
        {
            return false;
        }
    }

    private static async Task ReleaseAsync(ConnectionStream stream)
    {
        try
        {
            await stream.ReleaseAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer went away; the socket reports it to whoever uses it next.
        }
    }

    private async Task<Answer> AnswerAsync(Pending pending)
    {
        if (pending.Refused is { } refused) return refused;
        try
        {
            return new Answer(await pending.Append!, StatusCodes.Status201Created, null);
        }
        catch (ActorDispatchException ex)
        {
            return Refusal(ex);
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Append to namespace {Namespace} over an append stream failed", _namespace);
            return new Answer(null, StatusCodes.Status500InternalServerError, ErrorResponses.InternalError);
        }
    }

    private static Answer Refusal(ActorDispatchException ex) => new(null, ErrorResponses.StatusFor(ex.Kind), ex.Message);

    // An appended event's id and sequence: what a publisher needs, without echoing the data back.
    private static void Write(Utf8JsonWriter json, Answer answer, bool many)
    {
        json.WriteStartObject();
        if (answer.Events is not { } events)
        {
            json.WriteString("type"u8, ErrorType);
            json.WriteString("error"u8, answer.Error);
            json.WriteNumber("status"u8, answer.Status);
        }
        else
        {
            json.WriteString("type"u8, AppendedType);
            if (many)
            {
                json.WriteStartArray("events"u8);
                foreach (var e in events) WriteIds(json, e);
                json.WriteEndArray();
            }
            else WriteIdFields(json, events[0]);
        }
        json.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter json, Event e)
    {
        json.WriteStartObject();
        WriteIdFields(json, e);
        json.WriteEndObject();
    }

    private static void WriteIdFields(Utf8JsonWriter json, Event e)
    {
        json.WriteString("id"u8, e.Id);
        json.WriteNumber("sequence"u8, e.Sequence);
    }
}

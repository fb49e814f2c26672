using System.Net.WebSockets;
using System.Text.Json.Nodes;

namespace ActorDispatch.Server.Tests;

/// <summary>WebSocket client steps the server specs share.</summary>
public static class WebSockets
{
    /// <summary>Connects within 10 s, with <paramref name="header"/> set on the upgrade request if given; a refused upgrade throws.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(Uri uri, (string Name, string Value)? header = null)
    {
        var ws = new ClientWebSocket();
        if (header is { } h) ws.Options.SetRequestHeader(h.Name, h.Value);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await ws.ConnectAsync(uri, cts.Token);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    /// <summary>The next message, reassembled from its frames, as JSON.</summary>
    public static async Task<JsonNode> ReceiveJsonAsync(this ClientWebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await ws.ReceiveAsync(buffer, ct);
            message.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage);
        return JsonNode.Parse(message.ToArray())!;
    }
}

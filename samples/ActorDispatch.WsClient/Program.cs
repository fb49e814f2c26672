// A minimal WebSocket client for the walkthrough in README.md: connects to an ActorDispatch /ws URL,
// prints every frame, and acks each delivery (or event batch) unless --no-ack is given.
//   dotnet run --project samples/ActorDispatch.WsClient -- "ws://127.0.0.1:5000/ws?namespace=default&name=app1" [--count N] [--no-ack]
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: ActorDispatch.WsClient <ws-url> [--count N] [--no-ack] [--timeout-s S]");
    return 2;
}
var url = new Uri(args[0]);
var ack = !args.Contains("--no-ack");
var count = Option("--count", int.MaxValue);
var timeout = TimeSpan.FromSeconds(Option("--timeout-s", 60));

using var cts = new CancellationTokenSource(timeout);
using var ws = new ClientWebSocket();
await ws.ConnectAsync(url, cts.Token);
Console.Error.WriteLine($"connected to {url}");

var buffer = new byte[64 * 1024];
for (var received = 0; received < count;)
{
    using var message = new MemoryStream();
    WebSocketReceiveResult result;
    try
    {
        do
        {
            result = await ws.ReceiveAsync(buffer, cts.Token);
            message.Write(buffer, 0, result.Count);
        } while (!result.EndOfMessage);
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine($"no more frames within {timeout.TotalSeconds}s");
        break;
    }
    if (result.MessageType == WebSocketMessageType.Close)
    {
        Console.Error.WriteLine($"closed by server: {result.CloseStatus} {result.CloseStatusDescription}");
        return 1;
    }

    var text = Encoding.UTF8.GetString(message.ToArray());
    Console.WriteLine(text);
    var frame = JsonNode.Parse(text)!;
    var type = (string?)frame["type"];
    if (type is "protocol_error" or "change_notification") continue;
    received++;
    if (!ack) continue;
    var id = (string?)frame["id"];
    var subscriptionId = (string?)frame["subscription"]?["id"];
    var reply = $$$"""{"type":"ack","id":"{{{id}}}","subscription":{"id":"{{{subscriptionId}}}"}}""";
    await ws.SendAsync(Encoding.UTF8.GetBytes(reply), WebSocketMessageType.Text, true, cts.Token);
}
await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
return 0;

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
}

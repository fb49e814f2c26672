using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// Kills the server with SIGKILL right after a webhook subscription parked an event, before its
/// offset could be committed, and starts it again on the same store: the parked list is intact and
/// the events after it are delivered.
/// </summary>
public abstract class ParkedCrashSpec
{
    protected abstract string[] StoreArgs();

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_parked_event_is_still_parked_after_a_kill_and_the_rest_is_delivered()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = cts.Token;
        using var server = new ServerProcess(StoreArgs());
        var received = new ConcurrentQueue<long>();
        await using var receiver = await LocalReceiver.StartAsync(body =>
        {
            received.Enqueue((long)body["sequence"]!);
            return (string?)body["type"] == "poison" ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        }, ct);
        await server.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        const string ns = "parked";
        var created = await http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body($$$"""
            {"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","withData":false,"maxDeliveries":2,"url":"{{{receiver.Url}}}"}}
            """), ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync($"/api/v1/namespaces/{ns}/events",
            Body("""[{"type":"fine"},{"type":"poison"},{"type":"fine"}]"""), ct)).StatusCode);

        var before = await WaitForParkedAsync(http, ns, ct);
        server.Kill();
        await server.StartAsync(ct);

        var after = await WaitForParkedAsync(http, ns, ct);
        Assert.Equal((long)before["sequence"]!, (long)after["sequence"]!);
        Assert.Equal((string?)before["id"], (string?)after["id"]);
        Assert.Contains("400", (string?)after["reason"]);
        while (!received.Contains(3)) await Task.Delay(50, ct);
        while (await OffsetAsync(http, ns, ct) < 3) await Task.Delay(50, ct);
        Assert.Equal(2, (long)before["sequence"]!);
    }

    private static async Task<JsonNode> WaitForParkedAsync(HttpClient http, string ns, CancellationToken ct)
    {
        while (true)
        {
            var parked = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/hook/parked", ct))).AsArray();
            if (parked.Count > 0) return Assert.Single(parked)!;
            await Task.Delay(20, ct);
        }
    }

    private static async Task<long> OffsetAsync(HttpClient http, string ns, CancellationToken ct) =>
        (long)(await ReadJson(await http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/hook?fetchstatus=true", ct)))["status"]!["currentOffset"]!;
}

public sealed class ParkedCrashSpecOnSqlite : ParkedCrashSpec
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"parked-{Guid.NewGuid():N}.db");

    protected override string[] StoreArgs() => [$"--ActorDispatch:Storage:Sqlite={_path}"];
}

[Trait("Category", "Postgres")]
[Collection(nameof(PostgresServerCollection))]
public sealed class ParkedCrashSpecOnPostgres : ParkedCrashSpec
{
    protected override string[] StoreArgs() => [$"--ActorDispatch:Storage:Postgres={TestDatabase.Create()}"];
}

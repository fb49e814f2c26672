using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// PostgreSQL stopped for a few seconds under traffic: appends fail with 503, dispatch pauses and
/// resumes by itself once the database is back, nothing acknowledged is lost, and the server process
/// keeps running throughout. Needs <c>ACTORDISPATCH_TEST_POSTGRES_CTL</c>: a command taking
/// <c>stop</c> or <c>start</c> for the server of <c>ACTORDISPATCH_TEST_POSTGRES</c> (.ci/run sets both).
/// </summary>
[Trait("Category", "Postgres")]
[Collection(nameof(PostgresServerCollection))]
public sealed class StoreFaultSpec(ITestOutputHelper output)
{
    public const string ControlVariable = "ACTORDISPATCH_TEST_POSTGRES_CTL";

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task A_database_outage_fails_appends_with_503_and_dispatch_resumes_by_itself_afterwards()
    {
        var control = Environment.GetEnvironmentVariable(ControlVariable);
        Skip.If(string.IsNullOrEmpty(control), $"skipped: {ControlVariable} is not set (.ci/run sets it)");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cts.Token;
        using var server = new ServerProcess($"--ActorDispatch:Storage:Postgres={TestDatabase.Create()}");
        var received = new ConcurrentDictionary<long, bool>();
        await using var receiver = await LocalReceiver.StartAsync(body => received[(long)body["sequence"]!] = true, ct);
        await server.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var created = await http.PostAsync("/api/v1/namespaces/faults/subscriptions",
            Body($$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","withData":false,"url":"{{{receiver.Url}}}"}}"""), ct);
        Assert.True(created.IsSuccessStatusCode);

        var acknowledged = new List<long>();
        async Task<HttpResponseMessage> Append(int i) => await http.PostAsync("/api/v1/namespaces/faults/events", Body($$$"""{"type":"fault_test","data":{"i":{{{i}}}}}"""), ct);
        for (var i = 0; i < 10; i++) acknowledged.Add((long)(await ReadJson(await Append(i)))["sequence"]!);

        try
        {
            await Run(control!, "stop", ct);
            var during = await Append(100);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            var error = (string)(await ReadJson(during))["error"]!;
            Assert.StartsWith("AD10111:", error);
            output.WriteLine($"during the outage: {error}");
        }
        finally
        {
            await Run(control!, "start", ct);
        }

        // Appends work again once the database is back (the first may still meet a broken pooled connection).
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var response = await Append(200 + acknowledged.Count);
            if (response.IsSuccessStatusCode)
            {
                acknowledged.Add((long)(await ReadJson(response))["sequence"]!);
                if (acknowledged.Count >= 15) break;
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                await Task.Delay(200, ct);
            }
        }
        output.WriteLine($"appends succeeded again after {watch.Elapsed.TotalSeconds:0.0}s");

        while (!acknowledged.All(received.ContainsKey)) await Task.Delay(100, ct);
        Assert.Equal(1, server.Starts); // the server never needed a restart
        var status = await ReadJson(await http.GetAsync("/api/v1/namespaces/faults/subscriptions/hook?fetchstatus=true", ct));
        output.WriteLine(status.ToJsonString());
    }

    private static async Task Run(string control, string verb, CancellationToken ct)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"{control} {verb}");
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"'{control} {verb}' failed: {await process.StandardError.ReadToEndAsync(ct)}");
    }
}

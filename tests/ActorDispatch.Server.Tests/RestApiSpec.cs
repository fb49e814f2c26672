using System.Net;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

[Collection(nameof(ServerCollection))]
public sealed class RestApiSpec(ServerFixture server)
{
    private HttpClient Http => server.Http;

    private async Task<JsonArray> AppendAsync(string ns, string json)
    {
        var response = await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body(json));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJson(response);
        return body as JsonArray ?? [body.DeepClone()];
    }

    [Fact]
    public async Task Status_health_readiness_and_the_openapi_document_answer()
    {
        var status = await ReadJson(await Http.GetAsync("/api/v1/status"));
        Assert.Equal("0.1.0", (string?)status["version"]);
        Assert.StartsWith("sqlite:", (string?)status["storage"]);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/readyz")).StatusCode);
        var openApi = await ReadJson(await Http.GetAsync("/api/openapi.json"));
        Assert.NotNull(openApi["paths"]!["/api/v1/namespaces/{ns}/subscriptions"]);
        foreach (var path in new[] { "parked", "parked/replay", "parked/{sequence}", "reset", "pause", "resume" })
            Assert.NotNull(openApi["paths"]![$"/api/v1/namespaces/{{ns}}/subscriptions/{{idOrName}}/{path}"]);
    }

    [Fact]
    public async Task Data_nested_to_the_limit_is_stored_and_listed_and_one_level_more_is_refused_naming_it()
    {
        static string Nested(int depth) => string.Concat(Enumerable.Repeat("[", depth)) + "1" + string.Concat(Enumerable.Repeat("]", depth));
        var ns = NewNamespace();
        await AppendAsync(ns, $$"""{"type":"deep","data":{{Nested(32)}}}""");
        await AppendAsync(ns, $$"""[{"type":"deep","data":{{Nested(31)}}},{"type":"deep","data":{{Nested(32)}}}]""");
        // 62 levels (once answered 201, and the namespace unreadable after): refused, and nothing is appended.
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body($$"""[{"type":"a"},{"type":"deep","data":{{Nested(62)}}}]""")), 400, "'[1].data'");
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body($$"""{"type":"deep","data":{{Nested(33)}}}""")), 400, "'data'");

        var listed = (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/events"))).AsArray();
        Assert.Equal([1L, 2, 3], listed.Select(e => (long)e!["sequence"]!));
        Assert.Equal(Nested(32), listed[2]!["data"]!.ToJsonString());
    }

    [Fact]
    public async Task A_list_is_cut_short_at_the_byte_limit_says_so_and_the_rest_follows_from_where_it_ended()
    {
        var ns = NewNamespace();
        var data = new string('x', 40_000); // eight of these pass the fixture's 256 KiB
        for (var i = 0; i < 12; i++) await AppendAsync(ns, $$"""{"type":"big","data":"{{data}}"}""");

        var first = await Http.GetAsync($"/api/v1/namespaces/{ns}/events?limit=100");
        var page = (await ReadJson(first)).AsArray();
        Assert.Equal("true", first.Headers.GetValues("X-ActorDispatch-Truncated").Single());
        Assert.InRange(page.Count, 1, 11);
        var rest = await Http.GetAsync($"/api/v1/namespaces/{ns}/events?limit=100&sequence=>{(long)page[^1]!["sequence"]!}");
        var all = page.Concat((await ReadJson(rest)).AsArray()).Select(e => (long)e!["sequence"]!).ToList();
        Assert.False(rest.Headers.Contains("X-ActorDispatch-Truncated"));
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), all);
    }

    [Fact]
    public async Task Posting_one_event_or_an_array_stores_them_with_sequences()
    {
        var ns = NewNamespace();
        var one = await AppendAsync(ns, """{"type":"order_created","topic":"orders","data":{"id":1}}""");
        var many = await AppendAsync(ns, """[{"type":"a"},{"type":"b","tag":"t"}]""");

        Assert.Equal(1, (long)one[0]!["sequence"]!);
        Assert.Equal(1, (int)one[0]!["data"]!["id"]!);
        Assert.Equal([2L, 3], many.Select(e => (long)e!["sequence"]!));
        Assert.Equal(ns, (string?)many[0]!["namespace"]);
    }

    [Theory]
    [InlineData("""{"type":""", 400, "not valid JSON")]
    [InlineData("""{"topic":"x"}""", 400, "'type'")]
    [InlineData("""{"type":"bad type"}""", 400, "'type'")]
    [InlineData("""{"type":"a","colour":"red"}""", 400, "'colour'")]
    [InlineData("""{"type":"a","sequence":7}""", 400, "'sequence'")]
    [InlineData("""[{"type":"a"},{"type":"b","reference":"nope"}]""", 400, "'[1].reference'")]
    [InlineData("""[]""", 400, "'events'")]
    public async Task Bad_events_are_refused_naming_the_problem_and_nothing_is_appended(string body, int status, string mentions)
    {
        var ns = NewNamespace();
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body(body)), status, mentions);
        Assert.Empty((await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/events"))).AsArray());
    }

    [Fact]
    public async Task A_non_json_body_is_415_and_an_oversize_body_is_413()
    {
        var ns = NewNamespace();
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/events", new StringContent("type=a", null, "text/plain")), 415, "not JSON");
        var huge = $$"""{"type":"a","data":"{{new string('x', 70_000)}}"}""";
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body(huge)), 413, "limit");
        await AssertError(await Http.PostAsync("/api/v1/namespaces/Bad!/events", Body("""{"type":"a"}""")), 400, "'namespace'");
    }

    [Fact]
    public async Task Events_are_listed_with_FireFly_filters()
    {
        var ns = NewNamespace();
        await AppendAsync(ns, """[{"type":"a","topic":"eu"},{"type":"b","topic":"us"},{"type":"a","topic":"us"},{"type":"c"},{"type":"a","topic":"eu"}]""");

        async Task<long[]> Sequences(string query) =>
            (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/events?{query}"))).AsArray().Select(e => (long)e!["sequence"]!).ToArray();

        Assert.Equal(new[] { 1L, 2, 3, 4, 5 }, await Sequences(""));
        Assert.Equal(new[] { 1L, 3, 5 }, await Sequences("type=a"));
        Assert.Equal(new[] { 3L }, await Sequences("type=a&topic=us"));
        Assert.Equal(new[] { 2L, 4 }, await Sequences("type=!a"));
        Assert.Equal(new[] { 3L, 4 }, await Sequences("sequence=>2&sequence=<=4"));
        Assert.Equal(new[] { 4L, 5 }, await Sequences("sequence=>=4"));
        Assert.Equal(new[] { 5L, 4 }, await Sequences("sort=-sequence&limit=2"));
        Assert.Equal(new[] { 3L, 4 }, await Sequences("skip=2&limit=2"));
        await AssertError(await Http.GetAsync($"/api/v1/namespaces/{ns}/events?limit=5000"), 400, "'limit'");
        await AssertError(await Http.GetAsync($"/api/v1/namespaces/{ns}/events?sequence=>x"), 400, "'sequence'");
    }

    [Fact]
    public async Task An_event_is_found_by_id()
    {
        var ns = NewNamespace();
        var stored = (await AppendAsync(ns, """{"type":"a"}"""))[0]!;
        var id = (string)stored["id"]!;

        var found = await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/events/{id}"));
        Assert.True(JsonNode.DeepEquals(stored, found));
        await AssertError(await Http.GetAsync($"/api/v1/namespaces/{ns}/events/{Guid.NewGuid()}"), 404, "no event");
        await AssertError(await Http.GetAsync($"/api/v1/namespaces/{ns}/events/not-a-uuid"), 400, "'id'");
    }

    [Fact]
    public async Task Subscriptions_are_created_listed_fetched_with_status_and_deleted()
    {
        var ns = NewNamespace();
        await AppendAsync(ns, """[{"type":"order_created"},{"type":"invoice_sent"},{"type":"order_paid"}]""");
        var created = await Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body("""{"name":"app1","transport":"system","filter":{"events":"^order_"},"options":{"firstEvent":"oldest","readAhead":5}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sub = await ReadJson(created);
        Assert.Equal("1", (string?)sub["options"]!["firstEvent"]);

        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body("""{"name":"app1","transport":"system"}""")), 409, "app1");
        var list = (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions?transport=system"))).AsArray();
        Assert.Equal("app1", (string?)Assert.Single(list)!["name"]);
        Assert.Empty((await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions?name=other"))).AsArray());

        var withStatus = await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/{sub["id"]}?fetchstatus=true"));
        Assert.Equal(0, (long)withStatus["status"]!["currentOffset"]!);
        Assert.Equal(3, (long)withStatus["status"]!["lag"]!);

        var matching = (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/app1/events"))).AsArray();
        Assert.Equal([1L, 3], matching.Select(e => (long)e!["sequence"]!));
        var ranged = (await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/app1/events?startsequence=2"))).AsArray();
        Assert.Equal([3L], ranged.Select(e => (long)e!["sequence"]!));

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync($"/api/v1/namespaces/{ns}/subscriptions/app1")).StatusCode);
        await AssertError(await Http.DeleteAsync($"/api/v1/namespaces/{ns}/subscriptions/app1"), 404, "app1");
        await AssertError(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions/app1"), 404, "app1");
    }

    [Fact]
    public async Task Put_creates_then_updates_by_name_keeping_the_id()
    {
        var ns = NewNamespace();
        var first = await Http.PutAsync($"/api/v1/namespaces/{ns}/subscriptions", Body("""{"name":"app1","transport":"system"}"""));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var created = await ReadJson(first);

        var second = await ReadJson(await Http.PutAsync($"/api/v1/namespaces/{ns}/subscriptions",
            Body($$$"""{"id":"{{{created["id"]}}}","name":"app1","transport":"system","filter":{"topic":"eu"}}""")));
        Assert.Equal((string?)created["id"], (string?)second["id"]);
        Assert.Equal("eu", (string?)second["filter"]!["topic"]);
    }

    [Theory]
    [InlineData("""{"name":"s","transport":"system","filter":{"events":"(["}}""", "'filter.events'")]
    [InlineData("""{"name":"s","transport":"carrier-pigeon"}""", "'transport'")]
    [InlineData("""{"name":"s","transport":"system","options":{"readAhead":-1}}""", "'options.readAhead'")]
    [InlineData("""{"name":"s","transport":"system","options":{"readAhead":"lots"}}""", "'options.readAhead'")]
    [InlineData("""{"name":"s","transport":"system","options":{"bogus":1}}""", "'options.bogus'")]
    [InlineData("""{"name":"s","transport":"system","filter":{"colour":"red"}}""", "'filter.colour'")]
    [InlineData("""{"transport":"system"}""", "'name'")]
    [InlineData("""{"name":"s","transport":"system","ephemeral":true}""", "'ephemeral'")]
    [InlineData("""{"name":"s","transport":"system","namespace":"elsewhere"}""", "'namespace'")]
    [InlineData("""[1,2]""", "'body'")]
    public async Task Bad_subscriptions_are_refused_naming_the_field(string body, string mentions)
    {
        var ns = NewNamespace();
        await AssertError(await Http.PostAsync($"/api/v1/namespaces/{ns}/subscriptions", Body(body)), 400, mentions);
        Assert.Empty((await ReadJson(await Http.GetAsync($"/api/v1/namespaces/{ns}/subscriptions"))).AsArray());
    }
}

using System.Net;
using System.Text.RegularExpressions;
using ActorDispatch.Server.Dashboard;

namespace ActorDispatch.Server.Tests.Dashboard;

/// <summary>The dashboard's files as the server serves them, without a browser.</summary>
public sealed class DashboardAssetsSpec(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Ui_redirects_to_the_page_which_is_served_with_a_strict_content_security_policy()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        var redirect = await http.GetAsync("/ui?ns=a");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/ui/?ns=a", redirect.Headers.Location!.OriginalString);

        var page = await http.GetAsync("/ui/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());

        var again = new HttpRequestMessage(HttpMethod.Get, "/ui/dashboard.js");
        again.Headers.IfNoneMatch.Add((await http.GetAsync("/ui/dashboard.js")).Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/ui/nothing.js")).StatusCode);
    }

    [Fact]
    public void The_files_load_nothing_from_elsewhere_and_never_write_html()
    {
        var assets = DashboardAssets.Load(typeof(DashboardAssets).Assembly);
        Assert.Equal(["dashboard.css", "dashboard.js", "index.html"], assets.Names.Order());
        foreach (var name in assets.Names)
        {
            var text = System.Text.Encoding.UTF8.GetString(assets.Find(name)!.Content);
            // The SVG namespace is a name, not a download.
            var urls = Regex.Matches(text, @"(https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}").Select(m => m.Value).Where(u => !u.EndsWith("www.w3.org", StringComparison.Ordinal));
            Assert.Empty(urls);
            Assert.DoesNotContain("innerHTML", text);
            Assert.DoesNotContain("insertAdjacentHTML", text);
            Assert.DoesNotContain("document.write", text);
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Messaging.Docs.Tests.Snippets;
using Messaging.Protocol;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Messaging.Docs.Tests;

/// <summary>
/// Runs the README's server and client code as written: a real Kestrel on a free loopback port, JWT bearer set up
/// through configuration the way the README says, tokens signed with a key made here.
/// </summary>
public sealed class ReadmeServerTests
{
    private const string Issuer = "docs-tests";
    private const string Audience = "chat";

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Readme_server_answers_a_signed_token_and_refuses_a_missing_or_forged_one()
    {
        await using var server = await SnippetHost.StartAsync(ReadmeServer.Program, ServerArgs());
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var anonymous = await http.GetAsync("conversations", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var forged = await SendAsync(http, HttpMethod.Get, "conversations", Token("alice", RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        using var signed = await SendAsync(http, HttpMethod.Get, "conversations", Token("alice"));
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var list = await signed.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ConversationListBody, TestContext.Current.CancellationToken);
        Assert.NotNull(list);
        Assert.Empty(list.Conversations);
    }

    [Fact]
    public async Task Readme_client_says_hello_to_bob_through_the_readme_server_as_the_user_of_its_token()
    {
        await using var server = await SnippetHost.StartAsync(ReadmeServer.Program, ServerArgs());

        await ReadmeClient.HelloBobAsync([server.BaseUri.ToString(), Token("alice")]);

        using var http = new HttpClient { BaseAddress = server.BaseUri };
        using var response = await SendAsync(http, HttpMethod.Get, "conversations", Token("bob"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ConversationListBody, TestContext.Current.CancellationToken);
        var chat = Assert.Single(list!.Conversations);
        Assert.Equal(["alice", "bob"], chat.Members.Select(m => m.UserId).Order(StringComparer.Ordinal));
        Assert.Equal("alice", chat.LastMessage?.SenderId);
        Assert.Equal("Hello!", chat.LastMessage?.Content);
    }

    [Fact]
    public async Task Gateway_readme_server_serves_under_its_prefix_with_the_user_from_the_sub_claim()
    {
        await using var server = await SnippetHost.StartAsync(GatewayReadme.Program, ServerArgs());
        using var http = new HttpClient { BaseAddress = server.BaseUri };

        using var unprefixed = await SendAsync(http, HttpMethod.Get, "conversations", Token("carol"));
        Assert.Equal(HttpStatusCode.NotFound, unprefixed.StatusCode);

        using var created = await SendAsync(http, HttpMethod.Post, "chat/conversations", Token("carol"), """{"type":"direct","user_id":"dave"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var chat = await created.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.ConversationBody, TestContext.Current.CancellationToken);
        Assert.Equal(["carol", "dave"], chat!.Members.Select(m => m.UserId).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The configuration the README describes for <c>AddJwtBearer()</c>, on the command line (which
    /// <c>WebApplication.CreateBuilder(args)</c> reads), and Kestrel on a free loopback port.
    /// </summary>
    private string[] ServerArgs() =>
    [
        "--urls=http://127.0.0.1:0",
        "--Logging:LogLevel:Default=Warning",
        $"--Authentication:Schemes:Bearer:ValidIssuer={Issuer}",
        $"--Authentication:Schemes:Bearer:ValidAudiences:0={Audience}",
        $"--Authentication:Schemes:Bearer:SigningKeys:0:Issuer={Issuer}",
        $"--Authentication:Schemes:Bearer:SigningKeys:0:Value={Convert.ToBase64String(_key)}",
    ];

    private string Token(string user, byte[]? key = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = Audience,
        Claims = new Dictionary<string, object> { ["sub"] = user },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? _key), SecurityAlgorithms.HmacSha256),
    });

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, MediaTypeHeaderValue.Parse("application/json"));
        }

        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }
}

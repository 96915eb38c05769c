using Messaging.Client.Connection;

namespace Messaging.Client.Tests.Unit;

public sealed class EndpointsTests
{
    [Theory]
    [InlineData("http://localhost:5000", "ws://localhost:5000/ws?device_id=phone&access_token=alice")]
    [InlineData("https://chat.example/app", "wss://chat.example/app/ws?device_id=phone&access_token=alice")]
    [InlineData("http://127.0.0.1:8080/base/?x=1", "ws://127.0.0.1:8080/base/ws?device_id=phone&access_token=alice")]
    public void WebSocket_url_keeps_the_path_base_and_carries_device_and_token(string server, string expected)
    {
        var uri = Endpoints.WebSocket(Endpoints.NormaliseBase(new Uri(server)), "phone", "alice");

        Assert.Equal(expected, uri.AbsoluteUri);
    }

    [Fact]
    public void Query_values_and_path_segments_are_escaped()
    {
        var uri = Endpoints.WebSocket(Endpoints.NormaliseBase(new Uri("http://h/")), "a b&c", "t=1/2");

        Assert.Equal("ws://h/ws?device_id=a%20b%26c&access_token=t%3D1%2F2", uri.AbsoluteUri);
        Assert.Equal("conversations/g%2F1/members/a%20b", Endpoints.Path("conversations", "g/1", "members", "a b"));
    }

    [Fact]
    public void Without_a_token_the_url_has_only_the_device()
    {
        var uri = Endpoints.WebSocket(Endpoints.NormaliseBase(new Uri("http://h")), "default", accessToken: null);

        Assert.Equal("ws://h/ws?device_id=default", uri.AbsoluteUri);
    }
}

# The deployments of examples/ started as they are, end to end over TLS and
# HTTP/2 with curl: behind a TLS-terminating proxy (base URL from forwarded
# headers, kept-alive HTTP/1.1 to the module), in front of the timetable
# application (apiToken checked by nginx alone, the rest proxied), and the
# API itself on `listen ... ssl http2` (bodies beyond client_body_buffer_size,
# streamed lists).
#
# Each file gets only what a test machine needs: the module's path, a store,
# free ports for 443/8080/9000, a self-signed certificate (made here with
# openssl) and the key file in place of the ones under /etc/nginx/; the
# application server of in-front-of-app.conf is a stand-in server added to
# the same nginx.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set' unless $ENV{TEST_NGINX_LOAD_MODULES};
for my $tool (qw(curl openssl)) {
    system("command -v $tool >/dev/null") == 0 or BAIL_OUT("$tool is missing: make deps installs it");
}

my $examples = "$FindBin::Bin/../examples";
my $dir = tempdir('mtt-deploy-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
mkdir "$dir/$_" for qw(tls keys);
system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=timetable.example.edu"
       . " -keyout $dir/tls/timetable.key -out $dir/tls/timetable.crt 2>/dev/null") == 0 or die 'openssl failed';

my $key = 'k3y-0f-the-sis-2c1f9a';
{
    open my $f, '>', "$dir/keys/api-keys.map" or die $!;
    print $f qq{"$key" identity-system;\n};
    close $f;
}

sub slurp { my $p = shift; local $/; open my $f, '<', $p or die "$p: $!"; return <$f> }

# Starts examples/NAME as it is, with the substitutions above.
sub start_example {
    my ($name, %extra) = @_;
    my %port = map { $_ => MyTimetable::Server::free_port() } qw(443 8080 9000);
    my $text = slurp("$examples/$name");
    my $module = $ENV{TEST_NGINX_LOAD_MODULES};
    my $store = tempdir('mtt-deploy-store-XXXXXX', DIR => $dir, CLEANUP => 1);
    rmdir $store;    # the master creates it and hands it to the worker user
    $text =~ s{^(\s*)load_module\s+modules/ngx_http_mytimetable_module\.so;}{$1load_module $module;}mg
        or die "$name: no load_module line";
    $text =~ s{/var/lib/mytimetable\b}{$store}g;
    $text =~ s{\blisten 443 }{listen 127.0.0.1:$port{443} }g;
    $text =~ s{127\.0\.0\.1:(8080|9000)\b}{127.0.0.1:$port{$1}}g;
    $text =~ s{/etc/nginx/tls/}{$dir/tls/}g;
    $text =~ s{/etc/nginx/mytimetable/}{$dir/keys/}g;
    if (my $add = $extra{http}) {
        $add =~ s{\@9000\@}{$port{9000}}g;
        $text =~ s/\}\s*\z/$add\n}\n/ or die 'no end of http';
    }
    my $srv = MyTimetable::Server->new(config => $text, port => $port{443}, store => $store)->start;
    return ($srv, \%port);
}

# curl ARGS... -> { status, version, headers (lower-case names), body }
sub curl {
    my @args = @_;
    my $out = "$dir/curl.out";
    my $hdr = "$dir/curl.hdr";
    unlink $out, $hdr;
    my $w = `curl -sk --max-time 30 -o $out -D $hdr -w '%{http_code} %{http_version}' @{[ map { quote($_) } @args ]}`;
    my ($status, $version) = split ' ', $w // '';
    my %h;
    if (open my $f, '<', $hdr) {
        while (<$f>) {
            s/\r?\n\z//;
            $h{lc $1} = $2 if /^([^:\s]+):\s*(.*)$/;
        }
    }
    my $body = -e $out ? slurp($out) : '';
    return { status => $status // 0, version => $version // '', headers => \%h, body => $body };
}
sub quote { my $s = shift; $s =~ s/'/'\\''/g; return "'$s'" }

my $form = 'application/x-www-form-urlencoded';

# ---------------------------------------------------------------- behind a TLS proxy
{
    my ($srv, $port) = start_example('behind-tls-proxy.conf');
    my $tt = "https://timetable.example.edu:$port->{443}";
    my $ro = "https://rooster.example.nl:$port->{443}";
    my @resolve = ('--resolve', "timetable.example.edu:$port->{443}:127.0.0.1",
                   '--resolve', "rooster.example.nl:$port->{443}:127.0.0.1");

    my $r = curl(@resolve, '--http2', "$tt/tt/api/v0/users");
    is($r->{status}, 200, 'proxy: GET v0/users through the proxy');
    is($r->{version}, '2', '... over HTTP/2');
    is($r->{body}, '{"users":[]}', '... the empty list');

    $r = curl(@resolve, '--http2', '-X', 'PUT', '-H', "Content-Type: $form", '--data', 'displayName=Bob',
              "$tt/tt/api/v0/users/bob");
    is($r->{status}, 201, 'proxy: PUT v0/users/bob');
    is($r->{headers}{location}, 'https://timetable.example.edu/tt/api/v0/users/bob',
       '... Location is the URL the client used: scheme, host and prefix of the proxy');

    $r = curl(@resolve, '--http2', '-X', 'PUT', '-H', "Content-Type: $form", '--data', 'displayName=Carol',
              "$ro/tt/api/v0/users/carol");
    is($r->{headers}{location}, 'https://rooster.example.nl/tt/api/v0/users/carol',
       'proxy: the other host name gets its own Location');

    $r = curl(@resolve, '--http2', '-H', 'Content-Type: application/json',
              '--data', '{"UserName":"janed","Email":"janed@example.edu"}', "$tt/tt/api/users");
    is($r->{status}, 201, 'proxy: POST users (JSON)');
    like($r->{body}, qr{"Self":"https://timetable\.example\.edu/tt/api/user/[0-9a-f-]{36}"},
         '... Self is the public URL');
    like($r->{headers}{location}, qr{^https://timetable\.example\.edu/tt/api/user/[0-9a-f-]{36}$},
         '... and so is Location');

    # a body larger than the proxy's and the module's client_body_buffer_size
    my $big = join '&', 'displayName=Dana', map { "attributes=urn:example:attr$_=" . ('v' x 200) } 1 .. 100;
    ok(length $big > 16384, 'the form is larger than client_body_buffer_size');
    $r = curl(@resolve, '--http2', '-X', 'PUT', '-H', "Content-Type: $form", '--data', $big,
              "$tt/tt/api/v0/users/dana");
    is($r->{status}, 201, 'proxy: a large form body through the proxy');
    $r = curl(@resolve, '--http2', "$tt/tt/api/v0/users/dana");
    my $n = () = $r->{body} =~ /"name":"urn:example:attr\d+"/g;
    is($n, 100, '... every attribute stored');

    # several requests on kept-alive connections from the proxy to the module
    my @urls = map { "$tt/tt/api/v0/users/k$_" } 1 .. 20;
    my $w = `curl -sk --http2 @resolve -X PUT -o /dev/null -w '%{http_code}\\n' @urls`;
    is(join(',', sort { $a <=> $b } split ' ', $w), join(',', (204) x 20),
       'proxy: 20 writes over the kept-alive upstream connections');
    $r = curl(@resolve, '--http1.1', "$tt/tt/api/v0/users");
    like($r->{body}, qr/^\{"users":\["bob","carol","dana","janed",(?:"k\d+",){19}"k\d+"\]\}$/,
         'proxy: all of them in the store');
    is($r->{version}, '1.1', '... read over HTTP/1.1 to the proxy');
    $srv->stop;
    unlike($srv->error_log, qr/\[(?:alert|emerg|crit)\]/, 'proxy: nothing alarming in the error log');
}

# ---------------------------------------------------------------- in front of the application
{
    my ($srv, $port) = start_example('in-front-of-app.conf', http => <<'APP');
    # the stand-in for the timetable application server
    server {
        listen 127.0.0.1:@9000@;
        location / {
            default_type text/plain;
            return 200 "application: $request_method $request_uri apiToken=[$http_apitoken]\n";
        }
    }
APP
    my $base = "https://timetable.example.edu:$port->{443}";
    my @c = ('--resolve', "timetable.example.edu:$port->{443}:127.0.0.1", '--http2');

    my $r = curl(@c, "$base/api/v0/users");
    is($r->{status}, 401, 'front: no apiToken: 401');
    is($r->{body}, '{"error":"unauthorized","message":"send a valid key in the apiToken header"}',
       '... with a JSON error');
    like($r->{headers}{'content-type'}, qr{^application/json}, '... as JSON');
    $r = curl(@c, '-H', 'apiToken: wrong', "$base/api/v0/users");
    is($r->{status}, 401, 'front: a wrong apiToken: 401');
    $r = curl(@c, '-H', "apiToken: $key", "$base/api/v0/users");
    is($r->{status}, 200, 'front: the key of the file: the module answers');
    is($r->{body}, '{"users":[]}', '... from its store');
    $r = curl(@c, '-H', "apiToken: $key", '-X', 'PUT', '-H', "Content-Type: $form",
              '--data', 'displayName=Bob', "$base/api/v0/users/bob");
    is($r->{status}, 201, 'front: PUT v0/users/bob');
    is($r->{headers}{location}, "https://timetable.example.edu:$port->{443}/api/v0/users/bob",
       '... Location below /api/ (mytimetable_root), not below the location /api/v0/');

    $r = curl(@c, '-H', "apiToken: $key", "$base/api/timetable/2026?week=49");
    is($r->{status}, 200, 'front: the rest of /api/ goes to the application');
    is($r->{body}, "application: GET /api/timetable/2026?week=49 apiToken=[]\n",
       '... without the key');
    $r = curl(@c, "$base/");
    is($r->{body}, "application: GET / apiToken=[]\n", 'front: and so does everything else');
    $srv->stop;
    unlike($srv->error_log, qr/\[(?:alert|emerg|crit)\]/, 'front: nothing alarming in the error log');
}

# ---------------------------------------------------------------- the API over TLS and HTTP/2
{
    my ($srv, $port) = start_example('http2-tls.conf');
    my $base = "https://timetable.example.edu:$port->{443}/api";
    my @c = ('--resolve', "timetable.example.edu:$port->{443}:127.0.0.1", '--http2');

    my $r = curl(@c, "$base/v0/users");
    is($r->{version}, '2', 'h2: HTTP/2');
    is($r->{body}, '{"users":[]}', '... the empty list');

    $r = curl(@c, '-X', 'POST', '-H', "Content-Type: $form", '--data', 'username=bob&displayName=Bob',
              "$base/v0/users");
    is($r->{status}, 201, 'h2: POST v0/users (a form)');
    is($r->{headers}{location}, "https://timetable.example.edu:$port->{443}/api/v0/users/bob",
       '... Location from the request (https and :authority)');

    my $big = join '&', 'displayName=Dana', map { "attributes=urn:example:attr$_=" . ('v' x 300) } 1 .. 100;
    $r = curl(@c, '-X', 'PUT', '-H', "Content-Type: $form", '--data', $big, "$base/v0/users/dana");
    is($r->{status}, 201, 'h2: a form body of 30 kB, beyond client_body_buffer_size 16k');
    $r = curl(@c, "$base/v0/users/dana");
    my $n = () = $r->{body} =~ /"values":\["v{300}"\]/g;
    is($n, 100, '... every attribute stored whole');

    my $json = '{"UserName":"janed","Email":"janed@example.edu","FirstName":"' . ('J' x 200) . '"}';
    $r = curl(@c, '-H', 'Content-Type: application/json', '--data', $json, "$base/users");
    is($r->{status}, 201, 'h2: POST users (JSON)');

    # enough users for the v0 list to be streamed (more than 1000), written
    # over multiplexed HTTP/2 streams
    my @codes;
    for my $chunk (0 .. 5) {
        my @urls = map { "$base/v0/users/s" . sprintf('%04d', $chunk * 200 + $_) } 1 .. 200;
        push @codes, split ' ', `curl -sk --http2 --parallel --parallel-max 32 --resolve timetable.example.edu:$port->{443}:127.0.0.1 -X PUT -o /dev/null -w '%{http_code}\\n' @urls 2>/dev/null`;
    }
    is(join(',', @codes), join(',', (204) x 1200), 'h2: 1200 writes on 32 multiplexed streams at a time');
    $r = curl(@c, "$base/v0/users");
    my @names = $r->{body} =~ /"(s\d{4})"/g;
    is(scalar @names, 1200, 'h2: a streamed list of 1203 users arrives whole');
    like($r->{body}, qr/^\{"users":\["bob","dana","janed","s0001",.*"s1200"\]\}$/, '... in order, as JSON');

    $r = curl(@c, "$base/users?\$top=1000&\$select=UserName");
    my @dir = $r->{body} =~ /"UserName":"([^"]+)"/g;
    is(scalar @dir, 1000, 'h2: a streamed directory answer of 1000 users');

    $r = curl('--http1.1', @c[0, 1], "$base/v0/users/bob");
    is($r->{version}, '1.1', 'h2: HTTP/1.1 over TLS still works');
    $srv->stop;
    unlike($srv->error_log, qr/\[(?:alert|emerg|crit)\]/, 'h2: nothing alarming in the error log');
}

done_testing();

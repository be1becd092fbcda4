package MyTimetable::Scim;

# A running nginx with the API at /api/ and SCIM 2.0 at /scim/v2/ behind a
# bearer token that nginx alone checks (the README's configuration), and
# requests to it, for the SCIM suites (t/070 to t/073).
#
#   my $s = MyTimetable::Scim->new;                  # starts it
#   my $r = $s->scim(POST => 'Users', {userName => 'bjensen'});
#   $r->{status}, $r->{headers}{etag}, $r->{json}
#   $s->api(GET => 'v0/users/bjensen')                # the v0 API and the directory

use strict;
use warnings;

use HTTP::Tiny;
use JSON::PP;

use MyTimetable::Server;

our $TOKEN = 'Bearer 8f2e5a34c1d94b7e9a0f6d2c8e1b3a5f7d9c0e2a4b6c8d0f1e3a5c7b9d1f3e5a';

my $json = JSON::PP->new->utf8->canonical;

# The configuration README shows: a map of the Authorization header, and a
# location that refuses a request without the token before the module.
our $HTTP_CONFIG = <<"CONF";
    map_hash_bucket_size 128;   # a key as long as a real token
    map \$http_authorization \$scim_client {
        default                  "";
        "$TOKEN" provisioning;
    }
CONF

our $LOCATION = <<'CONF';
        location /scim/v2/ {
            if ($scim_client = "") {
                return 401;
            }
            mytimetable_scim;
        }
CONF

sub new {
    my ($class, %opt) = @_;
    my $srv = MyTimetable::Server->new(
        workers     => $opt{workers} // 1,
        http_config => $HTTP_CONFIG . ($opt{http_config} // ''),
        server_config => $LOCATION . ($opt{server_config} // ''),
    );
    $srv->start;
    return bless { srv => $srv, http => HTTP::Tiny->new(timeout => 30, keep_alive => 0) }, $class;
}

sub server { $_[0]{srv} }
sub base { my $self = shift; return 'http://127.0.0.1:' . $self->{srv}->port . '/scim/v2/' }

# scim(METHOD, PATH, [BODY (a ref: sent as JSON; a string: as it is)], [HEADERS])
# -> {status, headers, content, json}; the token is sent unless HEADERS give
# an Authorization ('' for none).
sub scim {
    my ($self, $method, $path, $body, $headers) = @_;
    my %h = ('Authorization' => $TOKEN, %{ $headers // {} });
    delete $h{Authorization} if $h{Authorization} eq '';
    my %opt = (headers => \%h);
    if (defined $body) {
        $opt{content} = ref $body ? $json->encode($body) : $body;
        $h{'Content-Type'} //= 'application/scim+json';
    }
    my $res = $self->{http}->request($method, $self->base . $path, \%opt);
    my $decoded = eval { $json->decode($res->{content}) } if length($res->{content} // '');
    return { %$res, json => $decoded };
}

# The v0 API and the directory of the same store.
sub api {
    my ($self, $method, $path, $body, $type) = @_;
    my $res = $self->{srv}->request($method, $path, $body, $type);
    my $decoded = eval { $json->decode($res->{content}) } if length($res->{content} // '');
    return { %$res, json => $decoded };
}

sub stop { $_[0]{srv}->stop_now }

# Decoded JSON with booleans as 'true'/'false', for is_deeply.
sub plain {
    my $v = shift;
    return $v ? 'true' : 'false' if JSON::PP::is_bool($v);
    return [ map { plain($_) } @$v ] if ref $v eq 'ARRAY';
    return { map { $_ => plain($v->{$_}) } keys %$v } if ref $v eq 'HASH';
    return $v;
}

1;

#!/usr/bin/perl
# Echoes what the application sees, as JSON: the process id, REMOTE_USER,
# every OIDC_* variable and every HTTP_* (request header) variable.
use strict;
use warnings;

sub esc {
    my ($s) = @_;
    $s =~ s/(["\\])/\\$1/g;
    $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord($1))/ge;
    return "\"$s\"";
}

my @pairs = ('"pid":' . $$, '"ppid":' . getppid());
for my $k (sort keys %ENV) {
    next unless $k =~ /^(OIDC|HTTP_|REMOTE_USER$|AUTH_TYPE$|REQUEST_METHOD$)/;
    push @pairs, esc($k) . ':' . esc($ENV{$k});
}
my $body = '';
if (($ENV{REQUEST_METHOD} || '') eq 'POST') {
    read(STDIN, $body, $ENV{CONTENT_LENGTH} || 0);
}
push @pairs, '"body":' . esc($body);
print "Content-Type: application/json\r\n\r\n{" . join(',', @pairs) . "}\n";

#!/bin/bash
# Deploys vulnshop to a host. INTENTIONALLY SLOPPY: kept for shellcheck demos.
TARGET=$1
BUILD_DIR=/tmp/vulnshop-build
files=$(ls src/*.c)

cd $BUILD_DIR
rm -rf $BUILD_DIR/*
for f in $files; do
  cp $f $BUILD_DIR/
done

if [ $TARGET == "prod" ]; then
  echo "deploying to production as $USER"
fi

scp -r $BUILD_DIR root@$TARGET:/opt/vulnshop
ssh root@$TARGET "cd /opt/vulnshop && make && ./server $2"
echo "done: `date`"

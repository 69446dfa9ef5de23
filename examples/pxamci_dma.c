// SPDX-License-Identifier: GPL-2.0
/*
 * Probe of a PXA-style MMC host, from the seed excerpt: a coherent
 * descriptor page and a dummy receive buffer. The dummy buffer's mapping is
 * leaked when the IRQ request fails.
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/mmc/host.h>
#include <linux/platform_device.h>

#define SPI_MRBLR	4096

struct pxamci_host {
	struct mmc_host *mmc;
	struct device *dev;
	void *sg_cpu;
	dma_addr_t sg_dma;
	void *dummy_rx;
	dma_addr_t dummy_rx_dma;
	int irq;
};

static irqreturn_t pxamci_irq(int irq, void *devid);

static int pxamci_probe(struct platform_device *pdev)
{
	struct pxamci_host *host;
	struct mmc_host *mmc;
	int ret;

	mmc = mmc_alloc_host(sizeof(struct pxamci_host), &pdev->dev);
	if (!mmc)
		return -ENOMEM;

	host = mmc_priv(mmc);
	host->mmc = mmc;
	host->dev = &pdev->dev;

	host->sg_cpu = dma_alloc_coherent(&pdev->dev, PAGE_SIZE,
					  &host->sg_dma, GFP_KERNEL);
	if (!host->sg_cpu) {
		dev_err(&pdev->dev, "Failed to allocate DMA descriptor mem\n");
		ret = -ENOMEM;
		goto error_free_host;
	}

	host->dummy_rx = devm_kzalloc(&pdev->dev, SPI_MRBLR, GFP_KERNEL);
	if (!host->dummy_rx) {
		ret = -ENOMEM;
		goto error_free_dma;
	}

	host->dummy_rx_dma = dma_map_single(&pdev->dev, host->dummy_rx, SPI_MRBLR,
					    DMA_FROM_DEVICE);
	if (dma_mapping_error(&pdev->dev, host->dummy_rx_dma)) {
		dev_err(&pdev->dev, "unable to map dummy rx buffer\n");
		ret = -ENOMEM;
		goto error_free_dma;
	}

	host->irq = platform_get_irq(pdev, 0);
	ret = request_irq(host->irq, pxamci_irq, 0, "pxa2xx-mci", host);
	if (ret)
		goto error_free_dma;

	platform_set_drvdata(pdev, mmc);
	return mmc_add_host(mmc);

error_free_dma:
	dma_free_coherent(&pdev->dev, PAGE_SIZE, host->sg_cpu, host->sg_dma);
error_free_host:
	mmc_free_host(mmc);
	return ret;
}

static int pxamci_remove(struct platform_device *pdev)
{
	struct mmc_host *mmc = platform_get_drvdata(pdev);
	struct pxamci_host *host = mmc_priv(mmc);

	mmc_remove_host(mmc);
	free_irq(host->irq, host);
	dma_unmap_single(&pdev->dev, host->dummy_rx_dma, SPI_MRBLR, DMA_FROM_DEVICE);
	dma_free_coherent(&pdev->dev, PAGE_SIZE, host->sg_cpu, host->sg_dma);
	mmc_free_host(mmc);
	return 0;
}

static struct platform_driver pxamci_driver = {
	.probe		= pxamci_probe,
	.remove		= pxamci_remove,
	.driver		= {
		.name	= "pxa2xx-mci",
	},
};
